using System.Text.RegularExpressions;

namespace Dm3.App.Configuration;

public enum StorageAuth { SharedKey, Identity }

/// <summary>
/// The pipeline transport: Azure Storage Queues (decisions §32). Service Bus returns only with the isolated worker's
/// Service Bus trigger extension; the publisher stays a port (<c>IPipelinePublisher</c>) so it can.
/// </summary>
public enum MessagingTransport { StorageQueues }

/// <summary>Which host runs the app: the Azure Functions isolated worker (Dm3.Functions) or the standalone host (Dm3.Host).</summary>
public enum HostModel { Standalone, FunctionsWorker }

/// <summary>Storage account access. Either a connection string (SharedKey: Azurite, local) or service URIs + an identity.</summary>
public sealed record StorageSettings(
    StorageAuth Auth,
    string? ConnectionString,
    Uri? TableServiceUri,
    Uri? QueueServiceUri,
    string? ClientId,
    bool ManagedIdentity,
    string TablePrefix,
    string QueuePrefix);

/// <summary>Pipeline transport (<c>Messaging__Transport</c>, default and only value <c>storageQueues</c>).</summary>
public sealed record MessagingSettings(MessagingTransport Transport);

/// <summary>The standalone queue pump (the Functions host's queue trigger uses host.json instead).</summary>
public sealed record QueuePumpSettings(
    bool Enabled,
    int BatchSize,
    int MaxConcurrency,
    int MaxDequeueCount,
    TimeSpan VisibilityTimeout,
    TimeSpan RetryDelay,
    TimeSpan MaxPollingInterval,
    TimeSpan ShutdownGrace);

public sealed record HttpLimitSettings(long MaxRequestBodyBytes, int MaxRequestLineBytes, int MaxRequestHeadersBytes);

public sealed record DiagnosticsSettings(bool EnableTestFunctions);

public sealed record KeyVaultSettings(Uri? VaultUri, string? ClientId);

/// <summary>Every runtime setting, read and validated once at start-up.</summary>
public sealed record RuntimeSettings(
    HostModel Host,
    StorageSettings Storage,
    MessagingSettings Messaging,
    QueuePumpSettings Queues,
    HttpLimitSettings Http,
    DiagnosticsSettings Diagnostics,
    KeyVaultSettings KeyVault,
    IReadOnlyDictionary<string, string> QueueNames,
    IReadOnlyDictionary<string, string> Schedules,
    IReadOnlyList<Functions.FunctionDefinition> ActiveFunctions,
    bool TimersEnabled)
{
    private static readonly Regex TablePrefixPattern = new("^([A-Za-z][A-Za-z0-9]{0,19})?$", RegexOptions.CultureInvariant);
    private static readonly Regex QueuePrefixPattern = new("^([a-z0-9](-?[a-z0-9]){0,19}-?)?$", RegexOptions.CultureInvariant);
    private static readonly Regex QueueNamePattern = new("^[a-z0-9](-?[a-z0-9])+$", RegexOptions.CultureInvariant);

    /// <summary>True in the Functions worker: its triggers deliver messages and timers, the host's routing serves HTTP.</summary>
    public bool FunctionsWorker => Host == HostModel.FunctionsWorker;

    /// <summary>Reads and validates; throws <see cref="SettingsException"/> naming the first bad setting.</summary>
    public static RuntimeSettings Read(SettingsReader reader, Functions.FunctionCatalog catalog, HostModel host = HostModel.Standalone)
    {
        var functionsWorker = host == HostModel.FunctionsWorker;
        var storage = ReadStorage(reader, functionsWorker);
        var messaging = ReadMessaging(reader);

        var queues = new QueuePumpSettings(
            Enabled: reader.Bool("Queues__PumpEnabled", !functionsWorker),
            BatchSize: reader.Int("Queues__BatchSize", 16, 1, 32),
            MaxConcurrency: reader.Int("Queues__MaxConcurrency", 16, 1, 256),
            MaxDequeueCount: reader.Int("Queues__MaxDequeueCount", 5, 1, 100),
            VisibilityTimeout: reader.Duration("Queues__VisibilityTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            RetryDelay: reader.Duration("Queues__RetryDelay", TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.FromHours(1)),
            MaxPollingInterval: reader.Duration("Queues__MaxPollingInterval", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            ShutdownGrace: reader.Duration("Queues__ShutdownGrace", TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(5)));
        if (queues.Enabled && functionsWorker)
        {
            throw new SettingsException("Queues__PumpEnabled", "must be false in the Functions worker (the queue triggers deliver the messages).");
        }

        var http = new HttpLimitSettings(
            MaxRequestBodyBytes: reader.Long("Http__MaxRequestBodyBytes", 256 * 1024, 1024, 100L * 1024 * 1024),
            MaxRequestLineBytes: reader.Int("Http__MaxRequestLineBytes", 16 * 1024, 8 * 1024, 1024 * 1024),
            MaxRequestHeadersBytes: reader.Int("Http__MaxRequestHeadersBytes", 64 * 1024, 32 * 1024, 1024 * 1024));

        var diagnostics = new DiagnosticsSettings(reader.Bool("Diagnostics__EnableTestFunctions", false));
        var keyVault = new KeyVaultSettings(reader.OptionalAbsoluteUri("KeyVault__VaultUri"), reader.OptionalString("KeyVault__ClientId"));

        // EnabledBy functions (diagnostics) exist only in the standalone host: the worker has no [Function] for them.
        var active = catalog.Active(setting => !functionsWorker && reader.Bool(setting, false));
        var queueNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var queue in catalog.Queues)
        {
            var name = reader.String(queue.Setting, queue.DefaultName);
            var physical = storage.QueuePrefix + name;
            if (!QueueNamePattern.IsMatch(physical) || physical.Length < 3 || physical.Length > 56)
            {
                throw new SettingsException(queue.Setting,
                    $"must be a queue name of lower-case letters, digits and single hyphens, 3 to {56 - storage.QueuePrefix.Length} characters (got '{name}').");
            }
            queueNames[queue.Setting] = name;
        }

        var schedules = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var timer in active.OfType<Functions.TimerFunction>())
        {
            var text = reader.String(timer.ScheduleSetting, timer.DefaultSchedule);
            if (!Runtime.CronSchedule.TryParse(text, out _, out var error))
            {
                throw new SettingsException(timer.ScheduleSetting, $"must be a six-field NCRONTAB schedule: {error}");
            }
            schedules[timer.ScheduleSetting] = text;
        }

        var timersEnabled = reader.Bool("Timers__Enabled", !functionsWorker);
        if (timersEnabled && functionsWorker)
        {
            throw new SettingsException("Timers__Enabled", "must be false in the Functions worker (the timer triggers run the functions).");
        }
        return new RuntimeSettings(host, storage, messaging, queues, http, diagnostics, keyVault, queueNames, schedules, active, timersEnabled);
    }

    private static StorageSettings ReadStorage(SettingsReader reader, bool functionsWorker)
    {
        var tablePrefix = reader.String("Storage__TablePrefix", "");
        if (!TablePrefixPattern.IsMatch(tablePrefix))
        {
            throw new SettingsException("Storage__TablePrefix", $"must be empty or a letter followed by up to 19 letters or digits (got '{tablePrefix}').");
        }
        var queuePrefix = reader.String("Storage__QueuePrefix", "");
        if (!QueuePrefixPattern.IsMatch(queuePrefix))
        {
            throw new SettingsException("Storage__QueuePrefix", $"must be empty or up to 20 lower-case letters, digits and single hyphens (got '{queuePrefix}').");
        }
        if (functionsWorker && queuePrefix.Length > 0)
        {
            throw new SettingsException("Storage__QueuePrefix", "must be empty in the Functions worker (its queue triggers use the queue settings unprefixed).");
        }

        var connectionString = reader.OptionalString("Storage__ConnectionString");
        var tableUri = reader.OptionalAbsoluteUri("Storage__tableServiceUri");
        var queueUri = reader.OptionalAbsoluteUri("Storage__queueServiceUri");
        var clientId = reader.OptionalString("Storage__clientId");
        var credential = reader.OptionalString("Storage__credential");
        if (credential is not null && !string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            throw new SettingsException("Storage__credential", $"must be 'managedidentity' or unset (got '{credential}').");
        }
        if (connectionString is not null)
        {
            if (!Adapters.Storage.StorageConnection.TryParse(connectionString, out _, out var error))
            {
                // The adapter's message never contains the key.
                throw new SettingsException("Storage__ConnectionString", $"is not a valid storage connection string: {error}");
            }
            return new StorageSettings(StorageAuth.SharedKey, connectionString, null, null, null, false, tablePrefix, queuePrefix);
        }
        if (tableUri is null)
        {
            throw new SettingsException("Storage__tableServiceUri", "is required (or set Storage__ConnectionString for SharedKey access, e.g. UseDevelopmentStorage=true).");
        }
        if (queueUri is null)
        {
            throw new SettingsException("Storage__queueServiceUri", "is required when Storage__tableServiceUri is used.");
        }
        return new StorageSettings(StorageAuth.Identity, null, tableUri, queueUri, clientId, credential is not null, tablePrefix, queuePrefix);
    }

    private static MessagingSettings ReadMessaging(SettingsReader reader) =>
        new(reader.Enum("Messaging__Transport", MessagingTransport.StorageQueues, ("storageQueues", MessagingTransport.StorageQueues)));
}
