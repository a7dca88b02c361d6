using System.Net.Sockets;
using System.Security.Cryptography;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Resilience;
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

    public static byte[] Key { get; } = Convert.FromBase64String(StorageConnection.DevelopmentAccountKey);

    /// <summary>The default retries of the clients below (short delays, generous per-attempt timeout).</summary>
    public static ResilienceOptions FastRetries { get; } = new() { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(20) };

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

    public static TableStorageClient CreateTableClient(HttpClient http, bool lite = false, Uri? endpoint = null, ResilienceOptions? resilience = null) =>
        new(http, new TableStorageOptions(endpoint ?? TableEndpoint, new SharedKeyAuthorizer(StorageConnection.DevelopmentAccountName, Key, lite ? SharedKeyScheme.TableLite : SharedKeyScheme.Table))
        {
            Resilience = resilience ?? FastRetries,
        });

    public static StorageQueueClient CreateQueueClient(HttpClient http, Uri? endpoint = null, ResilienceOptions? resilience = null) =>
        new(http, new QueueStorageOptions(endpoint ?? QueueEndpoint, new SharedKeyAuthorizer(StorageConnection.DevelopmentAccountName, Key, SharedKeyScheme.BlobQueue))
        {
            Resilience = resilience ?? FastRetries,
        });

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
