using Dm3.Adapters.Tables;

namespace Dm3.Adapters.Tests.Support;

/// <summary>One table per test class, created once.</summary>
public sealed class AzuriteTableFixture : IAsyncLifetime
{
    public TableServiceStore Client { get; private set; } = null!;
    public string Table { get; } = Azurite.UniqueName("t");

    public async Task InitializeAsync()
    {
        Azurite.EnsureReachable(Azurite.TableEndpoint);
        Client = Azurite.CreateTableStore();
        await Client.CreateTableIfNotExistsAsync(Table, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
