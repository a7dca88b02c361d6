using Dm3.Adapters.Tables;

namespace Dm3.Adapters.Tests.Support;

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
