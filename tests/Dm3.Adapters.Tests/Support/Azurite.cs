using System.Net.Sockets;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Sdk;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;

namespace Dm3.Adapters.Tests.Support;

/// <summary>
/// The Azurite endpoints used by the storage tests (env DM3_TEST_TABLE_ENDPOINT / DM3_TEST_QUEUE_ENDPOINT, defaults
/// 127.0.0.1:10002 / :10001, account devstoreaccount1). Azurite must be running: the tests throw (never skip) when it
/// is unreachable. Also compiled into Dm3.App.Tests (linked as Support/Azurite.cs).
/// </summary>
public static class Azurite
{
    public static Uri TableEndpoint { get; } = new(Env("DM3_TEST_TABLE_ENDPOINT") ?? "http://127.0.0.1:10002/devstoreaccount1");

    public static Uri QueueEndpoint { get; } = new(Env("DM3_TEST_QUEUE_ENDPOINT") ?? "http://127.0.0.1:10001/devstoreaccount1");

    /// <summary>An account connection string with Azurite's well-known key and the endpoints above.</summary>
    public static string ConnectionString(string accountKey = StorageConnection.DevelopmentAccountKey, Uri? tableEndpoint = null, Uri? queueEndpoint = null) =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={accountKey};"
        + $"TableEndpoint={(tableEndpoint ?? TableEndpoint).AbsoluteUri.TrimEnd('/')};QueueEndpoint={(queueEndpoint ?? QueueEndpoint).AbsoluteUri.TrimEnd('/')};";

    /// <summary>The SDK retries of the clients below (short delays, generous per-attempt timeout).</summary>
    public static AdapterRetry FastRetries { get; } = new() { Delay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(20) };

    /// <summary>Throws <see cref="InvalidOperationException"/> unless every endpoint accepts a TCP connection within 5 s.</summary>
    public static void EnsureReachable(params Uri[] endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            try
            {
                using var tcp = new TcpClient();
                if (!tcp.ConnectAsync(endpoint.Host, endpoint.Port).Wait(TimeSpan.FromSeconds(5)))
                {
                    throw new TimeoutException("connect timed out");
                }
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    $"Azurite is not reachable at {endpoint} ({ex.GetBaseException().Message}). Start it (node_modules/.bin/azurite --disableTelemetry ...) " +
                    "and set DM3_TEST_TABLE_ENDPOINT / DM3_TEST_QUEUE_ENDPOINT. These tests never skip.", ex);
            }
        }
    }

    public static string UniqueName(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    public static TableServiceStore CreateTableStore(AdapterRetry? retry = null, string accountKey = StorageConnection.DevelopmentAccountKey, Uri? endpoint = null) =>
        new(new TableServiceClient(ConnectionString(accountKey, tableEndpoint: endpoint), TableServiceStore.CreateOptions(retry ?? FastRetries)));

    public static StorageQueueService CreateQueueClient(AdapterRetry? retry = null, Uri? endpoint = null) =>
        new(new QueueServiceClient(ConnectionString(queueEndpoint: endpoint), StorageQueueService.CreateOptions(retry ?? FastRetries)));

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
