namespace Dm3.Backend.Storage;

/// <summary>
/// Port over a key-value table service with Azure Table semantics (partition key, row key, ETag).
/// Implemented by the Table Storage REST adapter; the official SDK can replace it behind this interface.
/// Expected outcomes (exists, not found, stale ETag) are values; transport failures are exceptions.
/// </summary>
public interface ITableStore
{
    Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken);

    /// <summary>Insert-if-absent. <see cref="TableWriteStatus.Conflict"/> when the entity exists.</summary>
    Task<TableWriteResult> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken);

    /// <summary>Point read; null when absent. The returned entity carries its ETag.</summary>
    Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken);

    /// <summary>Insert-or-replace (or insert-or-merge) without a precondition.</summary>
    Task<TableWriteResult> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken);

    /// <summary>Replace or merge guarded by If-Match (<paramref name="etag"/> "*" = any existing entity).
    /// <see cref="TableWriteStatus.PreconditionFailed"/> on a stale ETag, <see cref="TableWriteStatus.NotFound"/> when absent.</summary>
    Task<TableWriteResult> UpdateAsync(string table, TableEntity entity, string etag, TableUpdateMode mode, CancellationToken cancellationToken);

    /// <summary>Delete guarded by If-Match ("*" = unconditional).</summary>
    Task<TableWriteResult> DeleteAsync(string table, string partitionKey, string rowKey, string etag, CancellationToken cancellationToken);

    /// <summary>One page of a query. <paramref name="continuation"/> is the opaque token of the previous page.</summary>
    Task<TablePage> QueryAsync(string table, TableQuery query, string? continuation, CancellationToken cancellationToken);
}

public enum TableUpdateMode { Replace, Merge }

public enum TableWriteStatus { Ok, Conflict, NotFound, PreconditionFailed }

public sealed record TableWriteResult(TableWriteStatus Status, string? ETag)
{
    public bool IsOk => Status == TableWriteStatus.Ok;
}

/// <summary>
/// A table entity. Property values are one of: string, int, long, double, bool, byte[], DateTimeOffset, Guid.
/// </summary>
public sealed record TableEntity(string PartitionKey, string RowKey, IReadOnlyDictionary<string, object?> Properties, string? ETag = null)
{
    public string? GetString(string name) => Properties.TryGetValue(name, out var v) ? v as string : null;
    public long? GetInt64(string name) => Properties.TryGetValue(name, out var v) ? v switch { long l => l, int i => i, _ => null } : null;
    public bool? GetBool(string name) => Properties.TryGetValue(name, out var v) ? v as bool? : null;
    public byte[]? GetBinary(string name) => Properties.TryGetValue(name, out var v) ? v as byte[] : null;
    public DateTimeOffset? GetDateTime(string name) => Properties.TryGetValue(name, out var v) ? v as DateTimeOffset? : null;
}

/// <summary>An OData <c>$filter</c> (already escaped; build with <see cref="TableFilter"/>), <c>$select</c> and page size.</summary>
public sealed record TableQuery(string? Filter = null, IReadOnlyList<string>? Select = null, int? Top = null);

public sealed record TablePage(IReadOnlyList<TableEntity> Items, string? Continuation);

/// <summary>Builds OData filter expressions with correct quoting.</summary>
public static class TableFilter
{
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    public static string PartitionKeyEquals(string pk) => "PartitionKey eq " + Quote(pk);
    public static string And(string left, string right) => "(" + left + ") and (" + right + ")";
}
