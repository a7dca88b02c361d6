using System.Text.Json;
using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>
/// Bicep cannot be compiled on our machines, so the templates are checked as text: every resource the
/// deployment needs exists, with the settings the design requires, in API versions that exist.
/// </summary>
public sealed partial class InfrastructureStructureTests
{
    private static readonly IReadOnlyList<BicepDocument> s_all = Repository.LoadAll();
    private static readonly BicepDocument s_main = Repository.LoadMain();

    private static IEnumerable<BicepResource> Deployed(string type) =>
        s_all.SelectMany(d => d.ResourcesOfType(type)).Where(r => !r.IsExisting);

    private static BicepResource Single(string type) => Assert.Single(Deployed(type));

    private static BicepObject Body(BicepResource resource) => BicepObject.Parse(resource.Body);

    public static TheoryData<string, string> ExpectedResourceTypes => new()
    {
        { "Microsoft.Resources/resourceGroups", "2024-03-01" },
        { "Microsoft.ManagedIdentity/userAssignedIdentities", "2023-01-31" },
        { "Microsoft.OperationalInsights/workspaces", "2023-09-01" },
        { "Microsoft.Insights/components", "2020-02-02" },
        { "Microsoft.Storage/storageAccounts", "2023-05-01" },
        { "Microsoft.Storage/storageAccounts/blobServices/containers", "2023-05-01" },
        { "Microsoft.Storage/storageAccounts/tableServices/tables", "2023-05-01" },
        { "Microsoft.Storage/storageAccounts/queueServices/queues", "2023-05-01" },
        { "Microsoft.KeyVault/vaults", "2023-07-01" },
        { "Microsoft.KeyVault/vaults/keys", "2023-07-01" },
        { "Microsoft.KeyVault/vaults/secrets", "2023-07-01" },
        { "Microsoft.Authorization/roleAssignments", "2022-04-01" },
        { "Microsoft.Web/serverfarms", "2024-04-01" },
        { "Microsoft.Web/sites", "2024-04-01" },
        { "Microsoft.Web/sites/config", "2024-04-01" },
    };

    [Theory]
    [MemberData(nameof(ExpectedResourceTypes))]
    public void Every_required_resource_is_declared_with_an_existing_api_version(string type, string apiVersion)
    {
        var resources = Deployed(type).ToList();
        Assert.NotEmpty(resources);
        Assert.All(resources, r => Assert.Equal(apiVersion, r.ApiVersion));
    }

    [Fact]
    public void Main_template_deploys_at_subscription_scope_and_creates_the_resource_group()
    {
        Assert.Equal("subscription", s_main.TargetScope);
        var rg = Assert.Single(s_main.ResourcesOfType("Microsoft.Resources/resourceGroups"));
        Assert.Equal("location", Body(rg)["location"]);
        Assert.All(s_main.Modules, m => Assert.Equal("rg", BicepObject.Parse(m.Body)["scope"]));
    }

    [Fact]
    public void Every_module_referenced_exists_and_every_module_file_is_used()
    {
        var referenced = s_main.Modules.Select(m => Path.GetFullPath(Path.Combine(Repository.Infra, m.Path))).ToList();
        Assert.All(referenced, path => Assert.True(File.Exists(path), $"missing module {path}"));
        var files = Directory.EnumerateFiles(Repository.Modules, "*.bicep").Select(Path.GetFullPath);
        Assert.Equal(files.Order(StringComparer.Ordinal), referenced.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(
            ["functionapp.bicep", "identity.bicep", "keyvault.bicep", "monitoring.bicep", "roles.bicep", "storage.bicep"],
            referenced.Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Module_arguments_match_the_module_parameters()
    {
        foreach (var module in s_main.Modules)
        {
            var target = BicepDocument.Load(Path.Combine(Repository.Infra, module.Path));
            var declared = target.Params.ToDictionary(p => p.Name);
            var given = BicepObject.Parse(module.Body).Object("params")!.Keys.ToList();
            Assert.All(given, name => Assert.True(declared.ContainsKey(name), $"{module.Path} has no param '{name}'"));
            var required = declared.Values.Where(p => p.DefaultValue is null).Select(p => p.Name);
            Assert.All(required, name => Assert.True(given.Contains(name), $"{module.Path} needs '{name}'"));
        }
    }

    [Fact]
    public void Every_param_in_every_file_has_a_description()
    {
        var missing = s_all.SelectMany(d => d.Params.Where(p => !p.Declaration.HasDecorator("description")).Select(p => $"{d.FileName}:{p.Name}"));
        Assert.Empty(missing);
        Assert.All(s_all.SelectMany(d => d.Params), p => Assert.Matches("^'.{10,}'$", p.Declaration.DecoratorArgument("description")!));
    }

    [Fact]
    public void Parameters_file_names_only_params_of_main_and_covers_every_required_one()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.MainParameters));
        var inFile = json.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();
        var declared = s_main.Params.ToDictionary(p => p.Name);
        Assert.All(inFile, name => Assert.True(declared.ContainsKey(name), $"main.bicep has no param '{name}'"));
        Assert.All(declared.Values.Where(p => p.DefaultValue is null), p => Assert.Contains(p.Name, inFile));
    }

    [Fact]
    public void Outputs_of_main_are_upper_snake_case_and_include_the_endpoints_and_signer_key()
    {
        var outputs = s_main.Outputs.Select(o => o.Name).ToList();
        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
        Assert.Contains("API_BASE_URL", outputs);
        Assert.Contains("CCIP_GATEWAY_URL", outputs);
        Assert.Contains("GATEWAY_SIGNER_KEY_ID", outputs);
        Assert.Contains("KEY_VAULT_URI", outputs);
        Assert.Contains("STORAGE_TABLE_ENDPOINT", outputs);
        Assert.Contains("STORAGE_QUEUE_ENDPOINT", outputs);
        Assert.DoesNotContain(outputs, o => o.Contains("SERVICE_BUS", StringComparison.Ordinal) || o == "MESSAGING_TRANSPORT");
    }

    [Fact]
    public void Deployment_parameters_have_the_pay_per_use_defaults()
    {
        Assert.DoesNotContain(s_main.Params, p => p.Name is "messaging" or "maxDeliveryCount" or "runtimeName");
        Assert.Equal("[]", s_main.Param("extraQueueNames").DefaultValue);
        Assert.Equal("0", s_main.Param("alwaysReadyInstances").DefaultValue);
        Assert.Equal("false", s_main.Param("premiumVault").DefaultValue);
        Assert.Equal("'myapp.eth'", s_main.Param("appParentName").DefaultValue);
    }

    [Fact]
    public void Storage_account_disables_shared_keys_public_blobs_and_old_tls()
    {
        var properties = Body(Single("Microsoft.Storage/storageAccounts")).Object("properties")!;
        Assert.Equal("false", properties["allowSharedKeyAccess"]);
        Assert.Equal("false", properties["allowBlobPublicAccess"]);
        Assert.Equal("'TLS1_2'", properties["minimumTlsVersion"]);
        Assert.Equal("true", properties["supportsHttpsTrafficOnly"]);
        Assert.Equal("true", properties["defaultToOAuthAuthentication"]);
        Assert.Equal("'None'", Body(Single("Microsoft.Storage/storageAccounts/blobServices/containers")).Find("properties.publicAccess"));
    }

    [Fact]
    public void Main_declares_the_tables_of_decisions_26_and_the_envelopes_queue()
    {
        var names = Regex.Matches(s_main.Variable("tableNames").Text, @"'(\w+)'").Select(m => m.Groups[1].Value);
        Assert.Equal(["Names", "Inbox", "Nonces", "Challenges", "Sessions", "Processed", "RateCounters", "Accounts", "LspSessions", "LspOwners", "PoisonReasons", "Outbox"], names);
        Assert.Contains("'envelopes'", s_main.Variable("envelopesQueueName").Text, StringComparison.Ordinal);

        var table = Single("Microsoft.Storage/storageAccounts/tableServices/tables");
        Assert.Contains("for tableName in tableNames", table.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_queues_are_the_transport_the_envelopes_queue_and_every_extra_queue_get_a_poison_twin()
    {
        var storage = Repository.LoadModule("storage.bicep");
        var queue = Single("Microsoft.Storage/storageAccounts/queueServices/queues");
        Assert.Contains("for queueName in allQueueNames: {", queue.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(" if (", queue.Body, StringComparison.Ordinal);
        Assert.Contains("'${q}-poison'", storage.Variable("allQueueNames").Text, StringComparison.Ordinal);
        Assert.Contains("for q in queueNames", storage.Variable("allQueueNames").Text.Replace("map(queueNames, q =>", "for q in queueNames", StringComparison.Ordinal), StringComparison.Ordinal);

        var names = s_main.Variable("pipelineQueueNames").Text;
        Assert.Contains("= union([", names, StringComparison.Ordinal);
        Assert.Contains("envelopesQueueName", names, StringComparison.Ordinal);
        Assert.Contains("extraQueueNames", names, StringComparison.Ordinal);
        var module = Assert.Single(s_main.Modules, m => m.Path == "modules/storage.bicep");
        Assert.Equal("pipelineQueueNames", BicepObject.Parse(module.Body).Find("params.queueNames"));
        Assert.True(s_main.Param("extraQueueNames").Declaration.HasDecorator("description"));
    }

    [Fact]
    public void Application_insights_accepts_only_entra_authenticated_telemetry()
    {
        var component = Body(Single("Microsoft.Insights/components")).Object("properties")!;
        Assert.Equal("true", component["DisableLocalAuth"]);
        Assert.Equal("workspace.id", component["WorkspaceResourceId"]);
    }

    [Fact]
    public void Key_vault_uses_rbac_with_soft_delete_and_purge_protection()
    {
        var properties = Body(Single("Microsoft.KeyVault/vaults")).Object("properties")!;
        Assert.Equal("true", properties["enableRbacAuthorization"]);
        Assert.Equal("true", properties["enablePurgeProtection"]);
        Assert.Equal("true", properties["enableSoftDelete"]);
        Assert.Equal("premiumVault ? 'premium' : 'standard'", properties.Find("sku.name"));
        Assert.Null(properties["accessPolicies"]);
    }

    [Fact]
    public void Gateway_signer_is_a_secp256k1_key_hsm_backed_only_in_a_premium_vault()
    {
        var keys = Deployed("Microsoft.KeyVault/vaults/keys").Select(Body).ToList();
        var signer = Assert.Single(keys, k => k.Find("properties.curveName") is not null).Object("properties")!;
        Assert.Equal("'P-256K'", signer["curveName"]);
        Assert.Equal("premiumVault ? 'EC-HSM' : 'EC'", signer["kty"]);
        Assert.Contains("'sign'", signer["keyOps"]);
    }

    [Fact]
    public void Escrow_wrapping_key_is_rsa_3072_software_by_default_and_hsm_when_premium()
    {
        var keys = Deployed("Microsoft.KeyVault/vaults/keys").Select(Body).ToList();
        var wrapping = Assert.Single(keys, k => k.Find("properties.keySize") is not null).Object("properties")!;
        Assert.Equal("3072", wrapping["keySize"]);
        Assert.Equal("premiumVault ? 'RSA-HSM' : 'RSA'", wrapping["kty"]);
        Assert.Contains("'wrapKey'", wrapping["keyOps"]);
        Assert.Contains("'unwrapKey'", wrapping["keyOps"]);
    }

    [Fact]
    public void Key_vault_stores_the_four_secrets_of_decisions_23_from_secure_parameters()
    {
        var keyVault = Repository.LoadModule("keyvault.bicep");
        var secrets = Deployed("Microsoft.KeyVault/vaults/secrets").ToList();
        Assert.Equal(
            ["'ds-encryption-private-key'", "'ds-signing-private-key'", "'ds-token-secret'", "'links-owner-index-key'"],
            secrets.Select(s => Body(s)["name"]!).Order(StringComparer.Ordinal));
        var secureParams = keyVault.Params.Where(p => p.Declaration.HasDecorator("secure")).Select(p => p.Name).ToHashSet();
        Assert.All(secrets, s => Assert.Contains(Body(s).Find("properties.value")!, secureParams));
    }

    [Fact]
    public void Function_app_runs_on_flex_consumption_with_the_dotnet_isolated_10_runtime()
    {
        var plan = Body(Single("Microsoft.Web/serverfarms"));
        Assert.Equal("'FC1'", plan.Find("sku.name"));
        Assert.Equal("'FlexConsumption'", plan.Find("sku.tier"));
        Assert.Equal("true", plan.Find("properties.reserved"));

        var site = Body(Single("Microsoft.Web/sites"));
        Assert.Equal("'functionapp,linux'", site["kind"]);
        var config = site.Find("properties.functionAppConfig")!;
        Assert.Equal("runtime", BicepObject.Parse(config)["runtime"]);

        var functionApp = Repository.LoadModule("functionapp.bicep");
        var runtime = BicepObject.Parse(functionApp.Variable("runtime").Text);
        Assert.Equal("'dotnet-isolated'", runtime["name"]);
        Assert.Equal("dotnetVersion", runtime["version"]);
        Assert.Equal("'10.0'", functionApp.Param("dotnetVersion").DefaultValue);
        Assert.DoesNotContain(functionApp.Params, p => p.Name == "runtimeName");
        Assert.DoesNotContain("'custom'", functionApp.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Function_app_deploys_from_a_blob_container_with_the_managed_identity_and_scales_to_zero()
    {
        var site = Body(Single("Microsoft.Web/sites"));
        var config = BicepObject.Parse(site.Find("properties.functionAppConfig")!);
        Assert.Equal("'blobContainer'", config.Find("deployment.storage.type"));
        Assert.Equal("'UserAssignedIdentity'", config.Find("deployment.storage.authentication.type"));
        Assert.Equal("identityId", config.Find("deployment.storage.authentication.userAssignedIdentityResourceId"));
        var scale = config.Object("scaleAndConcurrency")!;
        Assert.Equal("maximumInstanceCount", scale["maximumInstanceCount"]);
        Assert.Equal("instanceMemoryMB", scale["instanceMemoryMB"]);
        Assert.StartsWith("alwaysReadyInstances > 0 ?", scale["alwaysReady"], StringComparison.Ordinal);
        Assert.Equal("httpPerInstanceConcurrency", scale.Find("triggers.http.perInstanceConcurrency"));
        Assert.Equal("0", Repository.LoadModule("functionapp.bicep").Param("alwaysReadyInstances").DefaultValue);
    }

    [Fact]
    public void Function_app_runs_as_the_user_assigned_identity_and_resolves_key_vault_references_with_it()
    {
        var site = Body(Single("Microsoft.Web/sites"));
        Assert.Equal("'UserAssigned'", site.Find("identity.type"));
        Assert.Equal("true", site.Find("properties.httpsOnly"));
        Assert.Equal("identityId", site.Find("properties.keyVaultReferenceIdentity"));
        Assert.Contains("'azd-service-name': azdServiceName", site["tags"], StringComparison.Ordinal);
        Assert.Equal("'api'", Repository.LoadModule("functionapp.bicep").Param("azdServiceName").DefaultValue);
    }

    [Fact]
    public void Basic_publishing_credentials_are_disabled()
    {
        var policies = Deployed("Microsoft.Web/sites/basicPublishingCredentialsPolicies").Select(Body).ToList();
        Assert.Equal(["'ftp'", "'scm'"], policies.Select(p => p["name"]!).Order(StringComparer.Ordinal));
        Assert.All(policies, p => Assert.Equal("false", p.Find("properties.allow")));
    }

    [Fact]
    public void Function_app_waits_for_its_role_assignments()
    {
        var module = Assert.Single(s_main.Modules, m => m.Path == "modules/functionapp.bicep");
        var dependsOn = BicepObject.Parse(module.Body)["dependsOn"];
        Assert.NotNull(dependsOn);
        Assert.Contains("roles", dependsOn, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_top_level_resource_is_tagged()
    {
        var untagged = s_all.SelectMany(d => d.Resources
                .Where(r => !r.IsExisting)
                .Where(r => r.Type.Count(c => c == '/') == 1 && r.Type != "Microsoft.Authorization/roleAssignments")
                .Where(r => Body(r)["tags"] is null)
                .Select(r => $"{d.FileName}:{r.Name}"));
        Assert.Empty(untagged);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();
}
