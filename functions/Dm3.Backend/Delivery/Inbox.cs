using System.Globalization;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>One page of an inbox: stored envelopes (canonical JSON) in arrival order and the row key to continue after.</summary>
public sealed record InboxPage(IReadOnlyList<string> Envelopes, string? ContinueAfter);

/// <summary>
/// The <c>Inbox</c> table. decisions §26 keys it PK = receiver address (lower-case hex), RK = <c>&lt;sender name&gt;|&lt;message
/// hash&gt;</c>, which makes delivery idempotent and acknowledgement a point operation, but row keys in that order sort
/// by sender, not by arrival, and Tables can only page in key order. So each envelope has two rows in the receiver's
/// partition:
/// <list type="bullet">
/// <item>the <b>entry</b> row with exactly the decided key, holding only <c>ArrivedAt</c> (ms): the idempotency guard,
/// written first with insert-if-absent;</item>
/// <item>the <b>arrival</b> row <c>!&lt;ArrivedAt, 15 digits&gt;|&lt;sender name&gt;|&lt;message hash&gt;</c> holding the stored
/// envelope. '!' sorts before every name character, so the arrival rows form one contiguous, time-ordered key range
/// that is paged with <c>RowKey gt &lt;last key&gt;</c>, one range query per page.</item>
/// </list>
/// The arrival key is derived from the entry's stored timestamp, so a redelivery (even one that recomputes the
/// postmark) targets the same row and its insert-if-absent keeps the first one. Acknowledgement reads the entry,
/// deletes the arrival row, then the entry (a crash in between leaves the entry, and the next acknowledgement finishes).
/// </summary>
public sealed class InboxStore(DeliveryStorage storage)
{
    public const char ArrivalPrefix = '!';
    private const string ArrivalRangeEnd = "\""; // the character after '!'
    internal const string ArrivedAtColumn = "ArrivedAt";
    private const string EnvelopeColumn = "Envelope";

    public static string EntryKey(string from, string messageHash) => from + "|" + messageHash;

    public static string ArrivalKey(long arrivedAtMs, string from, string messageHash) =>
        ArrivalPrefix + arrivedAtMs.ToString("D15", CultureInfo.InvariantCulture) + "|" + from + "|" + messageHash;

    /// <summary>
    /// Stores an envelope once. <paramref name="arrivedAtMs"/> is used only if the entry is new; otherwise the stored
    /// timestamp wins. <paramref name="render"/> builds the stored envelope for the effective timestamp.
    /// </summary>
    /// <returns>True when this call created the entry.</returns>
    public async Task<bool> DeliverAsync(string address, string from, string messageHash, long arrivedAtMs, Func<long, string> render, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(render);
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var table = storage.Inbox.Name;
        var entry = new TableEntity(address, EntryKey(from, messageHash), new Dictionary<string, object?> { [ArrivedAtColumn] = arrivedAtMs });
        var inserted = await store.InsertAsync(table, entry, cancellationToken).ConfigureAwait(false);
        var created = inserted.Status == TableWriteStatus.Ok;
        if (!created)
        {
            if (inserted.Status != TableWriteStatus.Conflict)
            {
                throw new InvalidOperationException($"Inbox entry insert ended with {inserted.Status}.");
            }

            var existing = await store.GetAsync(table, address, entry.RowKey, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                // Acknowledged between our insert and read: the receiver already has it; do not resurrect it.
                return false;
            }

            arrivedAtMs = existing.GetInt64(ArrivedAtColumn) ?? throw new InvalidOperationException("An inbox entry has no arrival time.");
        }

        var properties = new Dictionary<string, object?> { [ArrivedAtColumn] = arrivedAtMs };
        ChunkedText.Write(properties, EnvelopeColumn, render(arrivedAtMs));
        var arrival = await store.InsertAsync(table, new TableEntity(address, ArrivalKey(arrivedAtMs, from, messageHash), properties), cancellationToken).ConfigureAwait(false);
        if (arrival.Status is not (TableWriteStatus.Ok or TableWriteStatus.Conflict))
        {
            throw new InvalidOperationException($"Inbox arrival insert ended with {arrival.Status}.");
        }

        return created;
    }

    /// <summary>Up to <paramref name="limit"/> envelopes after <paramref name="continueAfter"/> (an arrival row key), oldest first.</summary>
    public async Task<InboxPage> ReadAsync(string address, int limit, string? continueAfter, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableFilter.And(
            TableFilter.And(TableFilter.PartitionKeyEquals(address), "RowKey gt " + TableFilter.Quote(continueAfter ?? ArrivalPrefix.ToString())),
            "RowKey lt " + TableFilter.Quote(ArrivalRangeEnd));
        var rows = new List<TableEntity>(Math.Min(limit + 1, 1001));
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync(storage.Inbox.Name, new TableQuery(filter, null, Math.Min(limit + 1 - rows.Count, 1000)), continuation, cancellationToken).ConfigureAwait(false);
            rows.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null && rows.Count <= limit);

        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveRange(limit, rows.Count - limit);
        }

        var envelopes = rows.Select(r => ChunkedText.Read(r, EnvelopeColumn) ?? throw new InvalidOperationException("An inbox row has no envelope.")).ToList();
        return new InboxPage(envelopes, more ? rows[^1].RowKey : null);
    }

    /// <summary>Deletes one envelope; idempotent. True when something was deleted.</summary>
    public async Task<bool> AcknowledgeAsync(string address, string from, string messageHash, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var table = storage.Inbox.Name;
        var entry = await store.GetAsync(table, address, EntryKey(from, messageHash), cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return false;
        }

        if (entry.GetInt64(ArrivedAtColumn) is { } arrivedAt)
        {
            await DeleteIfPresentAsync(store, table, address, ArrivalKey(arrivedAt, from, messageHash), cancellationToken).ConfigureAwait(false);
        }

        await DeleteIfPresentAsync(store, table, address, entry.RowKey, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Arrival rows (all partitions) that arrived before <paramref name="cutoffMs"/>: (partition, arrival key) pairs.</summary>
    internal async Task<(IReadOnlyList<(string Address, string ArrivalKey)> Rows, string? Continuation)> FindArrivedBeforeAsync(long cutoffMs, string? continuation, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableFilter.And(
            TableFilter.And("RowKey gt " + TableFilter.Quote(ArrivalPrefix.ToString()), "RowKey lt " + TableFilter.Quote(ArrivalRangeEnd)),
            ArrivedAtColumn + " lt " + cutoffMs.ToString(CultureInfo.InvariantCulture) + "L");
        var page = await store.QueryAsync(storage.Inbox.Name, new TableQuery(filter, ["PartitionKey", "RowKey"], 1000), continuation, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(e => (e.PartitionKey, e.RowKey)).ToList(), page.Continuation);
    }

    /// <summary>Deletes an arrival row and its entry (sweeper).</summary>
    internal async Task DeleteArrivalAsync(string address, string arrivalKey, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var table = storage.Inbox.Name;
        await DeleteIfPresentAsync(store, table, address, arrivalKey, cancellationToken).ConfigureAwait(false);
        var firstBar = arrivalKey.IndexOf('|', StringComparison.Ordinal);
        if (firstBar > 0)
        {
            await DeleteIfPresentAsync(store, table, address, arrivalKey[(firstBar + 1)..], cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task DeleteIfPresentAsync(ITableStore store, string table, string pk, string rk, CancellationToken cancellationToken)
    {
        var result = await store.DeleteAsync(table, pk, rk, "*", cancellationToken).ConfigureAwait(false);
        if (result.Status is not (TableWriteStatus.Ok or TableWriteStatus.NotFound))
        {
            throw new InvalidOperationException($"Delete ended with {result.Status}.");
        }
    }
}
