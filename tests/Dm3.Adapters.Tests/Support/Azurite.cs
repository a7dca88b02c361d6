using System.Net.Sockets;
using System.Security.Cryptography;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;

namespace Dm3.Adapters.Tests.Support;

/// <summary>
/// The Azurite endpoints used by the storage tests (env DM3_TEST_TABLE_ENDPOINT / DM3_TEST_QUEUE_ENDPOINT).
/// Azurite must be running: the fixtures throw (never skip) when it is unreachable.
/// </summary>
public static class Azurite
{
    public static Uri TableEndpoint { get; } = new(Environment.GetEnvironmentVariable("DM3_TEST_TABLE_ENDPOINT") is { Length: > 0 } t ? t : "http://127.0.0.1:10002/devstoreaccount1");

    public static Uri QueueEndpoint { get; } = new(Environment.GetEnvironmentVariable("DM3_TEST_QUEUE_ENDPOINT") is { Length: > 0 } q ? q : "http://127.0.0.1:10001/devstoreaccount1");

    public static byte[] Key { get; } = Convert.FromBase64String(StorageConnection.DevelopmentAccountKey);

    public static ResilienceOptions FastRetries { get; } = new() { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(20) };

    public static void EnsureReachable(Uri endpoint)
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
                $"Azurite is not reachable at {endpoint} ({ex.GetBaseException().Message}). Start it (node_modules/.bin/azurite ...) " +
                "and set DM3_TEST_TABLE_ENDPOINT / DM3_TEST_QUEUE_ENDPOINT. These tests never skip.", ex);
        }
    }

    public static string UniqueName(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    public static TableStorageClient CreateTableClient(HttpClient http, bool lite = false) =>
        new(http, new TableStorageOptions(TableEndpoint, new SharedKeyAuthorizer(StorageConnection.DevelopmentAccountName, Key, lite ? SharedKeyScheme.TableLite : SharedKeyScheme.Table))
        {
            Resilience = FastRetries,
        });

    public static StorageQueueClient CreateQueueClient(HttpClient http) =>
        new(http, new QueueStorageOptions(QueueEndpoint, new SharedKeyAuthorizer(StorageConnection.DevelopmentAccountName, Key, SharedKeyScheme.BlobQueue))
        {
            Resilience = FastRetries,
        });
}

/// <summary>One table per test class, created once.</summary>
public sealed class AzuriteTableFixture : IAsyncLifetime
{
    public HttpClient Http { get; } = new();
    public TableStorageClient Client { get; private set; } = null!;
    public string Table { get; } = Azurite.UniqueName("t");

    public async Task InitializeAsync()
    {
        Azurite.EnsureReachable(Azurite.TableEndpoint);
        Client = Azurite.CreateTableClient(Http);
        await Client.CreateTableIfNotExistsAsync(Table, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Http.Dispose();
        return Task.CompletedTask;
    }
}
