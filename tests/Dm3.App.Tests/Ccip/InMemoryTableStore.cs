using System.Collections.Concurrent;
using Dm3.Backend.Storage;

namespace Dm3.App.Tests.Ccip;

/// <summary>An in-memory <see cref="ITableStore"/> with Azure Table semantics (insert-if-absent, ETags, If-Match) for fast property tests.</summary>
internal sealed class InMemoryTableStore : ITableStore
{
    private readonly ConcurrentDictionary<(string Table, string Pk, string Rk), TableEntity> _rows = new();
    private long _version;

    public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<TableWriteResult> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken)
    {
        var stored = WithETag(entity);
        return Task.FromResult(_rows.TryAdd((table, entity.PartitionKey, entity.RowKey), stored)
            ? new TableWriteResult(TableWriteStatus.Ok, stored.ETag)
            : new TableWriteResult(TableWriteStatus.Conflict, null));
    }

    public Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.TryGetValue((table, partitionKey, rowKey), out var e) ? e : null);

    public Task<TableWriteResult> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        var stored = WithETag(entity);
        _rows[(table, entity.PartitionKey, entity.RowKey)] = stored;
        return Task.FromResult(new TableWriteResult(TableWriteStatus.Ok, stored.ETag));
    }

    public Task<TableWriteResult> UpdateAsync(string table, TableEntity entity, string etag, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        var key = (table, entity.PartitionKey, entity.RowKey);
        lock (_rows)
        {
            if (!_rows.TryGetValue(key, out var existing))
            {
                return Task.FromResult(new TableWriteResult(TableWriteStatus.NotFound, null));
            }

            if (etag != "*" && etag != existing.ETag)
            {
                return Task.FromResult(new TableWriteResult(TableWriteStatus.PreconditionFailed, null));
            }

            var stored = WithETag(entity);
            _rows[key] = stored;
            return Task.FromResult(new TableWriteResult(TableWriteStatus.Ok, stored.ETag));
        }
    }

    public Task<TableWriteResult> DeleteAsync(string table, string partitionKey, string rowKey, string etag, CancellationToken cancellationToken)
    {
        var key = (table, partitionKey, rowKey);
        lock (_rows)
        {
            if (!_rows.TryGetValue(key, out var existing))
            {
                return Task.FromResult(new TableWriteResult(TableWriteStatus.NotFound, null));
            }

            if (etag != "*" && etag != existing.ETag)
            {
                return Task.FromResult(new TableWriteResult(TableWriteStatus.PreconditionFailed, null));
            }

            _rows.TryRemove(key, out _);
            return Task.FromResult(new TableWriteResult(TableWriteStatus.Ok, null));
        }
    }

    public Task<TablePage> QueryAsync(string table, TableQuery query, string? continuation, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Queries are not used by the resolver or the gateway.");

    private TableEntity WithETag(TableEntity entity) => entity with { ETag = "W/\"" + Interlocked.Increment(ref _version) + "\"" };
}
