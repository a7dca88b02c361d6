namespace Dm3.Backend.Runtime;

/// <summary>
/// Physical table and queue names. Tables: <c>Storage__TablePrefix</c> + logical name (e.g. "Processed").
/// Queues: <c>Storage__QueuePrefix</c> + the value of the queue's app setting (e.g. <c>EnvelopesQueue</c> = "envelopes").
/// Built once by the composition root from validated settings.
/// </summary>
public sealed class StorageNames
{
    private readonly string _tablePrefix;
    private readonly string _queuePrefix;
    private readonly IReadOnlyDictionary<string, string> _queues;

    public StorageNames(string tablePrefix, string queuePrefix, IReadOnlyDictionary<string, string> queueNamesBySetting)
    {
        _tablePrefix = tablePrefix;
        _queuePrefix = queuePrefix;
        _queues = new Dictionary<string, string>(queueNamesBySetting, StringComparer.OrdinalIgnoreCase);
    }

    public string TablePrefix => _tablePrefix;

    public string QueuePrefix => _queuePrefix;

    /// <summary>The physical table for a logical table name.</summary>
    public string Table(string logicalName) => _tablePrefix + logicalName;

    /// <summary>The physical queue for a queue setting declared in the function catalog (e.g. "EnvelopesQueue").</summary>
    /// <exception cref="KeyNotFoundException">The setting was not declared: a programming error.</exception>
    public string Queue(string queueSetting) =>
        _queues.TryGetValue(queueSetting, out var name)
            ? _queuePrefix + name
            : throw new KeyNotFoundException($"Queue setting '{queueSetting}' is not declared in the function catalog.");

    /// <summary>The poison queue the Storage Queue trigger (and the standalone pump) uses for a queue.</summary>
    public static string PoisonQueueOf(string physicalQueue) => physicalQueue + "-poison";

    /// <summary>Every declared queue setting and its physical queue name.</summary>
    public IEnumerable<KeyValuePair<string, string>> Queues => _queues.Select(kv => KeyValuePair.Create(kv.Key, _queuePrefix + kv.Value));
}
