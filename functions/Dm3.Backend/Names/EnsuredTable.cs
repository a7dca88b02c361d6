using Dm3.Backend.Storage;

namespace Dm3.Backend.Names;

/// <summary>A table that is created on first use (once per process; a failed creation is retried on the next call).</summary>
public sealed class EnsuredTable
{
    private readonly ITableStore _store;
    private readonly Lock _gate = new();
    private Task? _creation;

    public EnsuredTable(ITableStore store, string name)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _store = store;
        Name = name;
    }

    public string Name { get; }

    public async ValueTask<ITableStore> ReadyAsync(CancellationToken cancellationToken)
    {
        var creation = _creation;
        if (creation is { IsCompletedSuccessfully: true })
        {
            return _store;
        }

        lock (_gate)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled)
            {
                _creation = _store.CreateTableIfNotExistsAsync(Name, CancellationToken.None);
            }

            creation = _creation;
        }

        await creation.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _store;
    }
}
