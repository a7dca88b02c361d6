using System.Security.Cryptography;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Sdk;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;
using Dm3.Adapters.Tests.Support;

namespace Dm3.App.Tests.Runtime.Support;

/// <summary>
/// Azurite for the runtime tests, on top of the shared <see cref="Azurite"/> helper (linked from Dm3.Adapters.Tests):
/// endpoints from DM3_TEST_TABLE_ENDPOINT / DM3_TEST_QUEUE_ENDPOINT (defaults 127.0.0.1:10002 / :10001, account
/// devstoreaccount1). Unreachable Azurite fails the tests loudly, never skips.
/// </summary>
internal static class TestStorage
{
    public static Uri TableEndpoint => Azurite.TableEndpoint;

    public static Uri QueueEndpoint => Azurite.QueueEndpoint;

    public static string ConnectionString => ConnectionStringFor(TableEndpoint, QueueEndpoint);

    public static AdapterRetry SdkRetries { get; } = new()
    {
        MaxRetries = 2,
        Delay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    public static string ConnectionStringFor(Uri tables, Uri queues) =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
        $"TableEndpoint={tables.AbsoluteUri.TrimEnd('/')};QueueEndpoint={queues.AbsoluteUri.TrimEnd('/')}";

    public static void EnsureReachable() => EnsureReachable(TableEndpoint, QueueEndpoint);

    public static void EnsureReachable(params Uri[] endpoints) => Azurite.EnsureReachable(endpoints);

    /// <summary>A table prefix: a letter then hex (Storage__TablePrefix allows letters and digits, max 20).</summary>
    public static string NewTablePrefix(string tag) => tag + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    /// <summary>A queue prefix ending in a hyphen (lower-case letters, digits, hyphens).</summary>
    public static string NewQueuePrefix(string tag) => tag + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant() + "-";

    /// <summary>The SDK-backed store on Azurite (<paramref name="http"/> is unused: the SDK client owns its transport).</summary>
    public static TableServiceStore Tables(HttpClient http, Uri? endpoint = null) =>
        Azurite.CreateTableStore(SdkRetries, endpoint: endpoint);

    /// <summary>The SDK-backed queue client on Azurite (<paramref name="http"/> is unused: the SDK client owns its transport).</summary>
    public static StorageQueueService Queues(HttpClient http, Uri? endpoint = null) =>
        Azurite.CreateQueueClient(SdkRetries, endpoint);

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout ends (then fails with <paramref name="what"/>).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (value is not null && (value is not bool b || b))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }
            await Task.Delay(100);
        }
    }
}
