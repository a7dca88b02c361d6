using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.Backend.Ccip;
using Dm3.Backend.Signing;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>
/// The settings the program reads (recorded while its own settings code runs, see <see cref="ProgramSettings"/>)
/// against the app settings of the Bicep and against local.settings.sample.json.
/// </summary>
public sealed class AppSettingsCrossCheckTests
{
    private static readonly IReadOnlyList<AppSetting> s_bicep = BicepAppSettings.Load();
    private static readonly IReadOnlyList<KeyValuePair<string, string?>> s_sample = SettingNames.LoadSample();

    // Everything the program reads in four starts: standalone over the sample (with and without the diagnostic
    // functions), and behind the host over the Bicep settings.
    private static readonly Lazy<SortedSet<string>> s_read = new(() =>
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        names.UnionWith(ProgramSettings.Read(SampleValues()).Names);
        names.UnionWith(ProgramSettings.Read(SampleValues(("Diagnostics__EnableTestFunctions", "true"))).Names);
        names.UnionWith(ProgramSettings.Read(AzureValues(), NeedsKeyVaultAtConstruction, HostModel.FunctionsWorker).Names);
        return names;
    });

    private static readonly Lazy<IReadOnlySet<string>> s_readPatterns = new(() => s_read.Value.Select(SettingNames.Pattern).ToHashSet(StringComparer.Ordinal));

    private static readonly IReadOnlySet<string> s_bicepPatterns = s_bicep.Select(s => SettingNames.Pattern(s.Name)).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void The_recording_sees_the_settings_of_every_reader_in_the_program()
    {
        // One name per way of reading: SettingsReader (runtime, keys, delivery), configuration[...] (resolver) and the
        // options binder (apps, gateway, delivery-service profile). If one of these were missed, the checks below would be hollow.
        Assert.Superset(new SortedSet<string>(StringComparer.Ordinal)
        {
            "Storage__tableServiceUri", "Messaging__Transport", "Queues__MaxDequeueCount", "EnvelopesQueue", "SweeperSchedule",
            "DevKeys__Enabled", "DeliveryService__SigningPrivateKey", "DeliveryService__SizeLimit", "PublicBaseUrl",
            "Apps__0__ParentName", "Apps__0__Domains__0__Host", "Gateway__Resolvers__0__Address", "Gateway__SignatureTtlSeconds",
            "DeliveryService__Url", "Escrow__WrappingKeyId", "KeyVault__VaultUri",
        }, s_read.Value);
    }

    [Fact]
    public void Every_setting_the_program_reads_is_set_by_the_bicep_or_documented_as_not_set_in_azure()
    {
        var missing = s_read.Value
            .Where(name => !s_bicepPatterns.Contains(SettingNames.Pattern(name)) && !SettingScopes.Covers(SettingScopes.NotSetInAzure.Keys, name))
            .ToList();
        Assert.True(missing.Count == 0, "Read by the program but neither in infra/modules/functionapp.bicep nor in SettingScopes.NotSetInAzure: " + string.Join(", ", missing));

        // The list of exceptions stays honest: every entry is read by the program and none is also written by the Bicep.
        var stale = SettingScopes.NotSetInAzure.Keys.Where(entry => !s_read.Value.Any(name => SettingScopes.Covers([entry], name))).ToList();
        Assert.True(stale.Count == 0, "SettingScopes.NotSetInAzure lists settings the program no longer reads: " + string.Join(", ", stale));
        var contradictions = s_bicep.Where(s => SettingScopes.Covers(SettingScopes.NotSetInAzure.Keys, s.Name)).Select(s => s.Name).ToList();
        Assert.True(contradictions.Count == 0, "Written by the Bicep but listed as not set in Azure: " + string.Join(", ", contradictions));
    }

    [Fact]
    public void Every_bicep_app_setting_is_read_by_the_program_or_by_the_functions_host()
    {
        var unread = s_bicep.Select(s => s.Name)
            .Where(name => !s_readPatterns.Value.Contains(SettingNames.Pattern(name)) && !SettingScopes.HostOnly.ContainsKey(name))
            .ToList();
        Assert.True(unread.Count == 0, "Bicep app settings nobody reads (a misspelt name?): " + string.Join(", ", unread));

        Assert.All(SettingScopes.HostOnly.Keys, name =>
        {
            Assert.Contains(name, s_bicep.Select(s => s.Name));
            Assert.DoesNotContain(name, s_read.Value);
        });
    }

    [Fact]
    public void Bicep_app_settings_start_the_functions_worker()
    {
        // Values as Azure resolves them (Key Vault references → the secrets ensure-secrets.sh generates); the
        // program's start-up validation passes and no service misses a setting on first use.
        var read = ProgramSettings.Read(AzureValues(), NeedsKeyVaultAtConstruction, HostModel.FunctionsWorker);
        Assert.Empty(read.ServiceErrors.Select(e => e.Message));
        Assert.Contains("Messaging__Transport", read.Names);
    }

    [Fact]
    public void Local_settings_sample_starts_the_program_standalone_and_lacks_only_key_vault_settings()
    {
        var read = ProgramSettings.Read(SampleValues());
        // Locally there is no Key Vault: the Key Vault client and the escrow key wrapper report their setting on first use.
        Assert.All(read.ServiceErrors, e => Assert.Contains(e.Setting, new[] { "KeyVault__VaultUri", "Escrow__WrappingKeyId" }));
    }

    [Fact]
    public void Local_settings_sample_has_every_bicep_setting_name_with_a_local_value()
    {
        var sampleNames = s_sample.Select(p => p.Key).ToList();
        Assert.Equal(sampleNames.Count, sampleNames.Distinct(StringComparer.OrdinalIgnoreCase).Count());

        var absent = s_bicep.Select(s => s.Name)
            .Where(name => !sampleNames.Contains(name, StringComparer.Ordinal) && !SettingScopes.NotInLocalSample.ContainsKey(name))
            .ToList();
        Assert.True(absent.Count == 0, "local.settings.sample.json lacks the Bicep app settings: " + string.Join(", ", absent));
        Assert.All(SettingScopes.NotInLocalSample.Keys, name =>
        {
            Assert.Contains(name, s_bicep.Select(s => s.Name));
            Assert.DoesNotContain(name, sampleNames);
        });
    }

    [Fact]
    public void Every_name_in_the_local_settings_sample_is_read_by_the_program_or_by_core_tools()
    {
        var unknown = s_sample.Select(p => p.Key)
            .Where(name => !s_readPatterns.Value.Contains(SettingNames.Pattern(name)) && !SettingScopes.CoreToolsOnly.ContainsKey(name))
            .ToList();
        Assert.True(unknown.Count == 0, "local.settings.sample.json has names nobody reads (a misspelt name?): " + string.Join(", ", unknown));
    }

    private static Dictionary<string, string?> SampleValues(params (string Name, string Value)[] overrides)
    {
        var values = s_sample.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }
        return values;
    }

    // KeyVaultDigestSigner reads the signer's public key from the vault when it is created; nothing else needs Key Vault
    // (or any network) at construction. Their settings are read by KeyMaterial and the Key Vault client anyway.
    private static bool NeedsKeyVaultAtConstruction(Type type) => type == typeof(IDigestSigner) || type == typeof(CcipGateway);

    /// <summary>
    /// The app settings as the Functions host passes them in Azure: one example value per Bicep app setting (a test
    /// below keeps the table complete), Key Vault references resolved to freshly generated secrets, and the port the host adds.
    /// </summary>
    internal static Dictionary<string, string?> AzureValues()
    {
        var (exitCode, stdout, stderr) = SecretGenerationScriptTests.Run(new Dictionary<string, string>());
        Assert.True(exitCode == 0, stderr);
        var secrets = SecretGenerationScriptTests.Exports(stdout).ToDictionary(kv => kv.Key, kv => Convert.ToBase64String(kv.Value));

        var values = ExampleAzureValues().ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);
        foreach (var (setting, variable) in KeyVaultSecrets)
        {
            values[setting] = secrets[variable];
        }
        return values;
    }

    /// <summary>Key Vault reference settings → the azd variable holding the secret (infra/main.parameters.json).</summary>
    private static readonly IReadOnlyDictionary<string, string> KeyVaultSecrets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DeliveryService__EncryptionPrivateKey"] = "DM3_DS_ENCRYPTION_PRIVATE_KEY",
        ["DeliveryService__SigningPrivateKey"] = "DM3_DS_SIGNING_PRIVATE_KEY",
        ["DeliveryService__TokenSecret"] = "DM3_DS_TOKEN_SECRET",
        ["Links__OwnerIndexKey"] = "DM3_OWNER_INDEX_KEY",
    };

    private static readonly FunctionCatalog Catalog = Features.BuildCatalog();

    private static Dictionary<string, string> ExampleAzureValues()
    {
        const string clientId = "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage__blobServiceUri"] = "https://stexample.blob.core.windows.net/",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://stexample.queue.core.windows.net/",
            ["AzureWebJobsStorage__tableServiceUri"] = "https://stexample.table.core.windows.net/",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = clientId,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD;ClientId=" + clientId,
            ["WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED"] = "0",
            ["Storage__tableServiceUri"] = "https://stexample.table.core.windows.net/",
            ["Storage__queueServiceUri"] = "https://stexample.queue.core.windows.net/",
            ["Storage__credential"] = "managedidentity",
            ["Storage__clientId"] = clientId,
            ["EnvelopesQueue"] = Catalog.Queues.Single(q => q.Setting == "EnvelopesQueue").DefaultName,
            ["OutboxQueue"] = Catalog.Queues.Single(q => q.Setting == "OutboxQueue").DefaultName,
            ["SweeperSchedule"] = Catalog.Functions.OfType<TimerFunction>().Single(t => t.ScheduleSetting == "SweeperSchedule").DefaultSchedule,
            ["LspSweeperSchedule"] = Catalog.Functions.OfType<TimerFunction>().Single(t => t.ScheduleSetting == "LspSweeperSchedule").DefaultSchedule,
            ["EscrowRewrapSchedule"] = Catalog.Functions.OfType<TimerFunction>().Single(t => t.ScheduleSetting == "EscrowRewrapSchedule").DefaultSchedule,
            ["KeyVault__VaultUri"] = "https://kv-example.vault.azure.net/",
            ["KeyVault__ClientId"] = clientId,
            ["Gateway__SignerKeyId"] = "https://kv-example.vault.azure.net/keys/gateway-signer",
            ["Gateway__SignatureTtlSeconds"] = "300",
            ["Gateway__Resolvers__0__Address"] = "0x231b0ee14048e9dccd1d247744d114a4eb5e8e63",
            ["Gateway__Resolvers__0__Family"] = "ens",
            ["Escrow__WrappingKeyId"] = "https://kv-example.vault.azure.net/keys/escrow-wrapping",
            ["Resolution__RpcUrl"] = "",
            ["PublicBaseUrl"] = "https://func-example.azurewebsites.net",
            ["Apps__0__ParentName"] = "myapp.eth",
            ["Apps__0__ChainIds__0"] = "1",
            ["Apps__0__AllowedOrigins__0"] = "https://app.example.com",
            ["Apps__0__Domains__0__Host"] = "app.example.com",
            ["Apps__0__Domains__0__Scopes__0"] = "query",
            ["Apps__0__Domains__0__Scopes__1"] = "register",
            ["Apps__0__Domains__0__Scopes__2"] = "delete",
            ["Apps__0__Domains__0__Scopes__3"] = "escrow",
        };
    }

    [Fact]
    public void Example_azure_values_cover_exactly_the_bicep_app_settings()
    {
        var covered = ExampleAzureValues().Keys.Concat(KeyVaultSecrets.Keys).Order(StringComparer.Ordinal);
        Assert.Equal(s_bicep.Select(s => s.Name).Order(StringComparer.Ordinal), covered);
        Assert.Equal(KeyVaultSecrets.Keys.Order(StringComparer.Ordinal), s_bicep.Where(s => s.IsKeyVaultReference).Select(s => s.Name).Order(StringComparer.Ordinal));
    }
}
