namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>
/// The explicit exceptions to "Azure sets every setting the program reads, and the program reads every setting Azure
/// sets". Each entry says why; the tests also fail when an entry is no longer needed (stale) or contradicts the Bicep.
/// Names use the pattern form (<c>Apps__N__…</c>); an entry also covers the elements of a list (<c>…__N</c>).
/// </summary>
internal static class SettingScopes
{
    /// <summary>Read by the program, deliberately not written by the Bicep: the default is right in Azure, or the setting belongs to another mode.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotSetInAzure = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Set by the Functions host itself when it starts the custom handler.

        // Local-only: standalone mode, Azurite, tests.
        ["Storage__ConnectionString"] = "local only: SharedKey (Azurite); the Azure account has shared keys disabled",
        ["Storage__TablePrefix"] = "tests only: per-run table prefix; default none",
        ["Storage__QueuePrefix"] = "tests only; must be empty behind the host",
        ["Messaging__Transport"] = "default and only value storageQueues (decisions §32)",
        ["Queues__PumpEnabled"] = "standalone queue pump; default off behind the host (the host's triggers deliver)",
        ["Queues__BatchSize"] = "standalone queue pump (host.json configures the host's queue trigger)",
        ["Queues__MaxConcurrency"] = "standalone queue pump",
        ["Queues__MaxDequeueCount"] = "standalone queue pump (host.json maxDequeueCount in Azure)",
        ["Queues__VisibilityTimeout"] = "standalone queue pump",
        ["Queues__RetryDelay"] = "standalone queue pump",
        ["Queues__MaxPollingInterval"] = "standalone queue pump",
        ["Queues__ShutdownGrace"] = "standalone queue pump; also bounds host shutdown, default 10 s",
        ["Timers__Enabled"] = "standalone timers; default off behind the host (the host's timer triggers run them)",
        ["DevKeys__Enabled"] = "local only: generated dev keys; default off behind the host",
        ["DevKeys__Path"] = "local only: dev-keys file",
        ["Gateway__SignerPrivateKey"] = "local only: Azure signs with the Key Vault key Gateway__SignerKeyId",
        ["Diagnostics__EnableTestFunctions"] = "tests only: default false, the published package has no diagnostic functions",
        ["DiagnosticsQueue"] = "tests only: queue of the diagnostic function (declared even when disabled)",
        ["Diagnostics__TimerSchedule"] = "tests only: schedule of the diagnostic timer",

        // Optional: their defaults suit the Azure deployment.
        ["Http__MaxRequestBodyBytes"] = "Kestrel limit, default 262144 (decisions §16)",
        ["Http__MaxRequestLineBytes"] = "Kestrel limit, default 16384 (decisions §16)",
        ["Http__MaxRequestHeadersBytes"] = "Kestrel limit, default 65536",
        ["DeliveryService__SizeLimit"] = "default 100000 bytes",
        ["DeliveryService__MessageTtlMs"] = "default 0 = keep messages until acknowledged",
        ["DeliveryService__Url"] = "default PublicBaseUrl",
        ["DeliveryService__PublicSigningKey"] = "default: derived from DeliveryService__SigningPrivateKey",
        ["DeliveryService__PublicEncryptionKey"] = "default: derived from DeliveryService__EncryptionPrivateKey",
        ["Gateway__MaxUrlLength"] = "default 4000 (decisions §16)",
        ["Gateway__MaxCalldataHexLength"] = "default 16384 (decisions §16)",
        ["Gateway__CacheMaxEntries"] = "default 10000 (decisions §14)",
        ["Apps__N__DeliveryServiceName"] = "default ds.<ParentName>",
        ["Apps__N__DeliveryServiceNames"] = "default [DeliveryServiceName]",
        ["Apps__N__SignatureTtlSeconds"] = "default Gateway__SignatureTtlSeconds",
        ["Apps__N__Domains__N__UriPrefixes"] = "default https://<Host>/",
        ["Apps__N__LspLimits"] = "default: the rate limits of linked-profiles §11",
        ["Resolution__Registry"] = "default: the mainnet ENS registry",
        ["Resolution__IpfsGateway"] = "default https://ipfs.io/ipfs/",
        ["Resolution__MaxRequestsPerResolution"] = "default 12",
        ["Resolution__MaxDeliveryServices"] = "default 4",
        ["Resolution__CacheTtlSeconds"] = "default 300",
        ["Resolution__NegativeCacheTtlSeconds"] = "default 60",
        ["Resolution__CacheMaxEntries"] = "default 10000",
        ["Outbound"] = "the outbound-policy section (decisions §36); read as a whole when none of its settings is given",
        ["Outbound__AllowHttp"] = "tests and local runs only: default false (decisions §36)",
        ["Outbound__AllowPrivateAddresses"] = "tests and local runs only: default false (decisions §36)",
        ["Outbound__MaxResponseBytes"] = "default 262144",
        ["Outbound__ConnectTimeoutSeconds"] = "default 5",
        ["Outbound__RequestTimeoutSeconds"] = "default 10",
        ["Outbound__MaxRedirects"] = "default 3, same host only",
        ["Relay__MaxAttempts"] = "default 8, then failed + poison",
        ["Relay__BaseDelayMs"] = "default 5000 (exponential backoff with jitter)",
        ["Relay__MaxDelayMs"] = "default 900000",
    };

    /// <summary>Written by the Bicep for the Functions host (storage of the host, telemetry); the program does not read them.</summary>
    public static readonly IReadOnlyDictionary<string, string> HostOnly = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage__blobServiceUri"] = "host storage (leases, timers, deployment) through the managed identity",
        ["AzureWebJobsStorage__queueServiceUri"] = "host storage queues through the managed identity",
        ["AzureWebJobsStorage__tableServiceUri"] = "host storage tables through the managed identity",
        ["AzureWebJobsStorage__credential"] = "host storage auth",
        ["AzureWebJobsStorage__clientId"] = "host storage identity",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "telemetry: locates the component (not a secret)",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "telemetry: Entra-authenticated ingestion with the identity",
        ["WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED"] = "platform: Flex + .NET 10 placeholder workaround (dotnet-worker#3335)",
    };

    /// <summary>Azure-only Bicep settings that local.settings.sample.json leaves out, because Core Tools uses another form locally.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotInLocalSample = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage__blobServiceUri"] = "locally AzureWebJobsStorage=UseDevelopmentStorage=true (Azurite)",
        ["AzureWebJobsStorage__queueServiceUri"] = "locally AzureWebJobsStorage=UseDevelopmentStorage=true (Azurite)",
        ["AzureWebJobsStorage__tableServiceUri"] = "locally AzureWebJobsStorage=UseDevelopmentStorage=true (Azurite)",
        ["AzureWebJobsStorage__credential"] = "locally AzureWebJobsStorage=UseDevelopmentStorage=true (Azurite)",
        ["AzureWebJobsStorage__clientId"] = "locally AzureWebJobsStorage=UseDevelopmentStorage=true (Azurite)",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "no telemetry locally",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "no telemetry locally",
        ["WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED"] = "a Flex platform setting; no meaning locally",
    };

    /// <summary>Sample-only names read by Azure Functions Core Tools (func start), neither by the program nor written by the Bicep.</summary>
    public static readonly IReadOnlyDictionary<string, string> CoreToolsOnly = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["FUNCTIONS_WORKER_RUNTIME"] = "Core Tools needs it locally; on Flex the runtime is functionAppConfig.runtime dotnet-isolated 10.0 (decisions §30)",
        ["AzureWebJobsStorage"] = "Core Tools host storage on Azurite; Azure uses AzureWebJobsStorage__* with the identity",
    };

    /// <summary>True when <paramref name="entries"/> has the pattern of <paramref name="setting"/> or a list it is an element of.</summary>
    public static bool Covers(IEnumerable<string> entries, string setting)
    {
        var pattern = SettingNames.Pattern(setting);
        return entries.Any(e => pattern == e || pattern.StartsWith(e + "__", StringComparison.Ordinal));
    }
}
