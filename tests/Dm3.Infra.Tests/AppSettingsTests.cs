using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>The Function App's settings: identity-based connections, Key Vault references, nothing secret in plain text.</summary>
public sealed class AppSettingsTests
{
    private static readonly IReadOnlyList<AppSetting> s_settings = BicepAppSettings.Load();

    private static AppSetting Setting(string name) => Assert.Single(s_settings, s => s.Name == name);

    [Fact]
    public void App_settings_are_the_agreed_list_in_one_place()
    {
        Assert.Equal(
        [
            "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri",
            "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
            "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
            "Storage__tableServiceUri", "Storage__queueServiceUri", "Storage__credential", "Storage__clientId",
            "EnvelopesQueue", "OutboxQueue", "SweeperSchedule", "LspSweeperSchedule", "EscrowRewrapSchedule",
            "KeyVault__VaultUri", "KeyVault__ClientId", "Gateway__SignerKeyId",
            "Gateway__SignatureTtlSeconds", "Gateway__Resolvers__0__Address", "Gateway__Resolvers__0__Family",
            "Escrow__WrappingKeyId", "Resolution__RpcUrl",
            "DeliveryService__EncryptionPrivateKey", "DeliveryService__SigningPrivateKey", "DeliveryService__TokenSecret",
            "Links__OwnerIndexKey",
            "PublicBaseUrl", "Apps__0__ParentName", "Apps__0__ChainIds__0", "Apps__0__AllowedOrigins__0",
            "Apps__0__Domains__0__Host", "Apps__0__Domains__0__Scopes__0", "Apps__0__Domains__0__Scopes__1",
            "Apps__0__Domains__0__Scopes__2", "Apps__0__Domains__0__Scopes__3",
        ], s_settings.Select(s => s.Name));
        Assert.Equal(s_settings.Count, s_settings.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());

        // The list is the only place settings are written: the site has no inline appSettings.
        var functionApp = Repository.LoadModule(BicepAppSettings.ModuleFileName);
        var site = functionApp.ResourcesOfType("Microsoft.Web/sites").Single();
        Assert.Null(BicepObject.Parse(site.Body).Find("properties.siteConfig.appSettings"));
        var config = functionApp.ResourcesOfType("Microsoft.Web/sites/config").Single();
        Assert.Equal("'appsettings'", BicepObject.Parse(config.Body)["name"]);
        Assert.Contains("items(appSettings)", BicepObject.Parse(config.Body)["properties"], StringComparison.Ordinal);
    }

    [Fact]
    public void Flex_runtime_settings_are_not_app_settings()
    {
        foreach (var forbidden in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "AzureWebJobsStorage", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING" })
        {
            Assert.DoesNotContain(s_settings, s => s.Name == forbidden);
            Assert.All(Repository.LoadAll(), d => Assert.DoesNotContain($"'{forbidden}'", d.Code, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Secrets_are_key_vault_references_to_versionless_secret_uris()
    {
        var secrets = new Dictionary<string, string>
        {
            ["DeliveryService__EncryptionPrivateKey"] = "dsEncryptionPrivateKeyUri",
            ["DeliveryService__SigningPrivateKey"] = "dsSigningPrivateKeyUri",
            ["DeliveryService__TokenSecret"] = "dsTokenUri",
            ["Links__OwnerIndexKey"] = "ownerIndexKeyUri",
        };
        foreach (var (name, uriParam) in secrets)
        {
            var setting = Setting(name);
            Assert.True(setting.IsKeyVaultReference, name);
            Assert.Equal($"'@Microsoft.KeyVault(SecretUri=${{{uriParam}}})'", setting.ValueExpression);
        }
        // Nothing else is a Key Vault reference, and no other setting may hold secret material.
        Assert.Equal(secrets.Keys.Order(StringComparer.Ordinal), s_settings.Where(s => s.IsKeyVaultReference).Select(s => s.Name).Order(StringComparer.Ordinal));

        var keyVault = Repository.LoadModule("keyvault.bicep");
        foreach (var output in new[] { "dsEncryptionPrivateKeyUri", "dsSigningPrivateKeyUri", "dsTokenUri", "ownerIndexKeyUri" })
        {
            Assert.EndsWith(".properties.secretUri", keyVault.Outputs.Single(o => o.Name == output).Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Connections_are_identity_based_with_the_user_assigned_client_id()
    {
        foreach (var prefix in new[] { "AzureWebJobsStorage", "Storage" })
        {
            Assert.Equal("'managedidentity'", Setting($"{prefix}__credential").ValueExpression);
            Assert.Equal("identityClientId", Setting($"{prefix}__clientId").ValueExpression);
            Assert.Equal("storageTableEndpoint", Setting($"{prefix}__tableServiceUri").ValueExpression);
            Assert.Equal("storageQueueEndpoint", Setting($"{prefix}__queueServiceUri").ValueExpression);
        }
        Assert.Equal("storageBlobEndpoint", Setting("AzureWebJobsStorage__blobServiceUri").ValueExpression);
        Assert.Equal("storageTableEndpoint", Setting("Storage__tableServiceUri").ValueExpression);
        Assert.Equal("storageQueueEndpoint", Setting("Storage__queueServiceUri").ValueExpression);
        Assert.Equal("keyVaultUri", Setting("KeyVault__VaultUri").ValueExpression);
        Assert.Equal("gatewaySignerKeyId", Setting("Gateway__SignerKeyId").ValueExpression);
        Assert.Equal("escrowWrappingKeyId", Setting("Escrow__WrappingKeyId").ValueExpression);
        Assert.DoesNotContain(s_settings, s => s.Name.StartsWith("ServiceBus__", StringComparison.Ordinal) || s.Name == "Messaging__Transport");
        Assert.Equal("envelopesQueueName", Setting("EnvelopesQueue").ValueExpression);
    }

    [Fact]
    public void Gateway_and_dapp_settings_come_from_parameters_and_are_dropped_while_unset()
    {
        Assert.Equal("sweeperSchedule", Setting("SweeperSchedule").ValueExpression);
        Assert.Equal("string(gatewaySignatureTtlSeconds)", Setting("Gateway__SignatureTtlSeconds").ValueExpression);
        Assert.Equal("ensResolverAddress", Setting("Gateway__Resolvers__0__Address").ValueExpression);
        Assert.Equal("empty(ensResolverAddress) ? '' : ensResolverFamily", Setting("Gateway__Resolvers__0__Family").ValueExpression);
        Assert.Equal("string(appChainId)", Setting("Apps__0__ChainIds__0").ValueExpression);
        Assert.Equal("appDomain", Setting("Apps__0__Domains__0__Host").ValueExpression);
        Assert.Equal(["query", "register", "delete"], Enumerable.Range(0, 3).Select(i =>
        {
            var value = Setting($"Apps__0__Domains__0__Scopes__{i}").ValueExpression;
            Assert.StartsWith("empty(appDomain) ? '' : ", value, StringComparison.Ordinal);
            return value.Split('\'')[^2];
        }));
        Assert.Equal("empty(appDomain) || !appDomainEscrow ? '' : 'escrow'", Setting("Apps__0__Domains__0__Scopes__3").ValueExpression);

        // main.bicep exposes each as a parameter (azd: DM3_* in main.parameters.json) and passes it on unchanged.
        var module = BicepObject.Parse(Assert.Single(Repository.LoadMain().Modules, m => m.Path == "modules/functionapp.bicep").Body);
        foreach (var param in new[] { "gatewaySignatureTtlSeconds", "ensResolverAddress", "ensResolverFamily", "appChainId", "appDomain", "appDomainEscrow" })
        {
            Assert.Equal(param, module.Find("params." + param));
            Assert.Equal(Repository.LoadMain().Param(param).DefaultValue, Repository.LoadModule(BicepAppSettings.ModuleFileName).Param(param).DefaultValue);
        }
    }

    [Fact]
    public void Telemetry_is_entra_authenticated_and_the_flex_dotnet_10_placeholder_is_off()
    {
        Assert.Equal("applicationInsightsConnectionString", Setting("APPLICATIONINSIGHTS_CONNECTION_STRING").ValueExpression);
        Assert.Equal("'Authorization=AAD;ClientId=${identityClientId}'", Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").ValueExpression);
        Assert.Equal("'0'", Setting("WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED").ValueExpression);
        var config = Repository.LoadModule(BicepAppSettings.ModuleFileName).ResourcesOfType("Microsoft.Web/sites/config").Single();
        Assert.Contains("!empty(s.value)", config.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Setting_names_are_valid_environment_variable_names_on_linux()
    {
        Assert.All(s_settings, s => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", s.Name));
    }
}
