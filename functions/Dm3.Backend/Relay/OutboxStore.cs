using Dm3.Backend.Delivery;
using Dm3.Backend.Names;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Relay;

/// <summary>States of an outbox entry, as <c>GET /outbox/{id}</c> reports them.</summary>
public static class OutboxState
{
    public const string Queued = "queued";
    public const string Retrying = "retrying";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>One outbox entry. <see cref="DeliveredTo"/>: the DS URL that accepted it, or <c>local</c> for a name hosted here.</summary>
public sealed record OutboxEntry(
    string Id,
    string Sender,
    string To,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    string? DeliveredTo,
    string? Reason,
    string EnvelopeJson,
    string? ETag)
{
    public bool IsFinal => Status is OutboxState.Delivered or OutboxState.Failed;
}

/// <summary>
/// The <c>Outbox</c> table: PK = entry id (32 hex), RK = "". The envelope is stored as sent (chunked like the inbox);
/// state changes are ETag-guarded replaces, so a concurrent or repeated relay attempt cannot overwrite a final state.
/// </summary>
public sealed class OutboxStore(ITableStore store, string tableName)
{
    public const string LogicalTableName = "Outbox";
    public const string LocalDelivery = "local";

    private const string SenderColumn = "Sender";
    private const string ToColumn = "To";
    private const string StatusColumn = "Status";
    private const string AttemptsColumn = "Attempts";
    private const string CreatedAtColumn = "CreatedAt";
    private const string NextAttemptColumn = "NextAttemptAt";
    private const string DeliveredToColumn = "DeliveredTo";
    private const string ReasonColumn = "Reason";
    private const string EnvelopeColumn = "Envelope";

    private readonly EnsuredTable _table = new(store, tableName);

    public async Task InsertAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var tables = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await tables.InsertAsync(_table.Name, ToEntity(entry), cancellationToken).ConfigureAwait(false);
        if (!result.IsOk)
        {
            throw new InvalidOperationException($"Storing an outbox entry ended with {result.Status}.");
        }
    }

    public async Task<OutboxEntry?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var tables = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await tables.GetAsync(_table.Name, id, "", cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>Replaces the entry if it is unchanged since it was read (its ETag); false when someone else changed it.</summary>
    public async Task<bool> TryUpdateAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var tables = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await tables.UpdateAsync(_table.Name, ToEntity(entry), entry.ETag ?? "*", TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            TableWriteStatus.Ok => true,
            TableWriteStatus.PreconditionFailed or TableWriteStatus.NotFound => false,
            _ => throw new InvalidOperationException($"Updating an outbox entry ended with {result.Status}."),
        };
    }

    private static TableEntity ToEntity(OutboxEntry entry)
    {
        var properties = new Dictionary<string, object?>
        {
            [SenderColumn] = entry.Sender,
            [ToColumn] = entry.To,
            [StatusColumn] = entry.Status,
            [AttemptsColumn] = entry.Attempts,
            [CreatedAtColumn] = entry.CreatedAt,
            [NextAttemptColumn] = entry.NextAttemptAt,
            [DeliveredToColumn] = entry.DeliveredTo,
            [ReasonColumn] = entry.Reason,
        };
        foreach (var unset in properties.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            properties.Remove(unset);
        }

        ChunkedText.Write(properties, EnvelopeColumn, entry.EnvelopeJson);
        return new TableEntity(entry.Id, "", properties);
    }

    private static OutboxEntry FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetString(SenderColumn) ?? "",
        entity.GetString(ToColumn) ?? "",
        entity.GetString(StatusColumn) ?? OutboxState.Queued,
        (int)(entity.GetInt64(AttemptsColumn) ?? 0),
        entity.GetDateTime(CreatedAtColumn) ?? DateTimeOffset.UnixEpoch,
        entity.GetDateTime(NextAttemptColumn),
        entity.GetString(DeliveredToColumn),
        entity.GetString(ReasonColumn),
        ChunkedText.Read(entity, EnvelopeColumn) ?? "",
        entity.ETag);
}
