using System.Globalization;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>
/// A place in an inbox's arrival order: the arrival time (ms, the postmark's <c>incommingTimestamp</c>) and the row key,
/// which breaks ties. Ordered by time, then ordinally by key (the order the Table service compares ASCII keys in).
/// </summary>
public readonly record struct InboxPosition(long ArrivedAt, string RowKey) : IComparable<InboxPosition>
{
    private const char Prefix = '!';

    public int CompareTo(InboxPosition other)
    {
        var byTime = ArrivedAt.CompareTo(other.ArrivedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(RowKey, other.RowKey);
    }

    /// <summary>
    /// <c>!&lt;arrival ms, 15 digits&gt;|&lt;sender name&gt;|&lt;message hash&gt;</c>: the text inside the opaque cursor (the same
    /// text the earlier two-row layout used as its arrival row key, so cursors issued before stay readable).
    /// </summary>
    public override string ToString() => Prefix + ArrivedAt.ToString("D15", CultureInfo.InvariantCulture) + "|" + RowKey;

    public static bool TryParse(string? text, out InboxPosition position)
    {
        position = default;
        var parts = text?.Split('|');
        if (parts is not { Length: 3 } || parts[0].Length != 16 || parts[0][0] != Prefix || parts[0].AsSpan(1).ContainsAnyExcept("0123456789")
            || !Protocol.Ens.EnsNameRules.TryValidateName(parts[1], out _) || !EnvelopeRef.IsHash(parts[2]))
        {
            return false;
        }

        position = new InboxPosition(long.Parse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture), parts[1] + "|" + parts[2]);
        return true;
    }

    public static bool operator <(InboxPosition left, InboxPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(InboxPosition left, InboxPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(InboxPosition left, InboxPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(InboxPosition left, InboxPosition right) => left.CompareTo(right) >= 0;
}

/// <summary>One page of an inbox: stored envelopes (canonical JSON) in arrival order and the position to continue after.</summary>
public sealed record InboxPage(IReadOnlyList<string> Envelopes, InboxPosition? ContinueAfter);

/// <summary>What <see cref="InboxStore.AcceptAsync"/> found.</summary>
public enum AcceptStatus
{
    /// <summary>A new pending row was written: announce it.</summary>
    Accepted,

    /// <summary>The same envelope is already pending (an earlier attempt, possibly one whose announcement failed): announce it again.</summary>
    StillPending,

    /// <summary>The same envelope is already in the inbox: nothing to do.</summary>
    AlreadyDelivered,

    /// <summary>Another envelope with this sender and message hash is in the receiver's inbox (pending or delivered).</summary>
    Different,
}

/// <summary>An inbox row as the delivery handler needs it.</summary>
public sealed record InboxRow(
    string Address,
    string RowKey,
    bool Delivered,
    long ArrivedAt,
    string Envelope,
    string? DeliveryInformationJson,
    string? ReceiverName,
    string SubmittedSha256,
    string ETag);

/// <summary>
/// The <c>Inbox</c> table: one row per envelope, from acceptance to acknowledgement, keyed as decisions §26 suggests:
/// PK = receiver address (lower-case hex), RK = <c>&lt;sender name&gt;|&lt;message hash&gt;</c>.
/// <para>
/// Why one row, and why the envelope is accepted straight into the inbox (the issue target: at most 3 Table transactions
/// per delivered envelope, without entity-group batches): <c>dm3_submitMessage</c> writes the row once with
/// insert-if-absent (<c>State = pending</c>, the envelope as submitted, the decrypted deliveryInformation, the arrival
/// time); the <c>DeliverEnvelope</c> queue function reads it and replaces it, guarded by the read ETag, with the stored
/// envelope (postmark added, deliveryInformation decrypted) and <c>State = delivered</c>. That is insert + read + replace.
/// Idempotency needs no other record: the key makes a resubmission collide with its own row, a repeated or concurrent
/// delivery either finds <c>delivered</c> or loses the ETag race (and then finds <c>delivered</c>), so there is one
/// entry and one postmark per (receiver, sender, hash), and acknowledgement is one point delete.
/// </para>
/// <para>
/// The price is paid on reading: keys in this order sort by sender, not by arrival, and Tables pages only in key order.
/// <see cref="ReadAsync"/> therefore scans the receiver's partition for delivered rows after the cursor, projecting only
/// the row key and arrival time (small, 1,000 rows per query page), keeps the <c>limit + 1</c> earliest in a bounded
/// heap, then fetches exactly that arrival range with the envelopes in one more query. Acknowledged envelopes are
/// deleted, so an inbox is normally small (one scan page: 2 transactions per read, 1 when empty). The scan stops after
/// <see cref="MaxScannedRows"/> rows: an inbox holding more delivered, unacknowledged envelopes than that is served in
/// arrival order among the rows scanned (the first ones in key order) and always with a next cursor; acknowledging
/// brings it back under the bound. (The earlier layout paid a second inbox row per envelope to page by key range;
/// that cost 2 more writes per envelope and 2 more per acknowledgement, on the hot path, to save work on reads.)
/// </para>
/// Arrival time = the acceptance time (ms) recorded at submission: the postmark's timestamp, the paging order and the
/// TTL clock. Rows still pending are invisible to reading. A row deleted while pending (acknowledged from another
/// copy, swept) is simply not delivered.
/// </summary>
public sealed class InboxStore(DeliveryStorage storage)
{
    /// <summary>Most rows one read scans (50 query pages of keys); see the class remarks.</summary>
    public const int MaxScannedRows = 50_000;

    internal const string StateColumn = "State";
    internal const string ArrivedAtColumn = "AcceptedAt";
    internal const string DeliveredAtColumn = "DeliveredAt";
    internal const string EnvelopeColumn = "Envelope";
    internal const string DeliveryInformationColumn = "DeliveryInformation";
    internal const string ReceiverNameColumn = "ReceiverName";
    internal const string SubmittedSha256Column = "SubmittedSha256";
    internal const string Pending = "pending";
    internal const string Delivered = "delivered";

    private const int QueryPageSize = 1000;

    public static string RowKeyOf(string from, string messageHash) => from + "|" + messageHash;

    /// <summary>
    /// Accepts a checked envelope: one insert-if-absent of the pending row. On a collision (only then) the existing row
    /// is read to tell an idempotent resubmission from a different envelope under the same key.
    /// </summary>
    public async Task<AcceptStatus> AcceptAsync(EnvelopeRef reference, string submittedEnvelopeJson, string deliveryInformationJson, string receiverName, long acceptedAtMs, CancellationToken cancellationToken) =>
        (await AcceptWithETagAsync(reference, submittedEnvelopeJson, deliveryInformationJson, receiverName, acceptedAtMs, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary><see cref="AcceptAsync"/> that also returns the ETag of the row when this call inserted it (<see cref="AcceptStatus.Accepted"/>).</summary>
    internal async Task<(AcceptStatus Status, string? InsertedETag)> AcceptWithETagAsync(EnvelopeRef reference, string submittedEnvelopeJson, string deliveryInformationJson, string receiverName, long acceptedAtMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(submittedEnvelopeJson);
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var digest = Sha256Hex(submittedEnvelopeJson);
        var properties = new Dictionary<string, object?>
        {
            [StateColumn] = Pending,
            [ArrivedAtColumn] = acceptedAtMs,
            [SubmittedSha256Column] = digest,
            [ReceiverNameColumn] = receiverName,
            [DeliveryInformationColumn] = deliveryInformationJson,
        };
        ChunkedText.Write(properties, EnvelopeColumn, submittedEnvelopeJson);
        var entity = new TableEntity(reference.PartitionKey, reference.RowKey, properties);

        // A row acknowledged or swept between a collision and the read below is gone: try the insert again (bounded).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var inserted = await store.InsertAsync(storage.Inbox.Name, entity, cancellationToken).ConfigureAwait(false);
            if (inserted.Status == TableWriteStatus.Ok)
            {
                return (AcceptStatus.Accepted, inserted.ETag);
            }

            if (inserted.Status != TableWriteStatus.Conflict)
            {
                throw new InvalidOperationException($"Storing an accepted envelope ended with {inserted.Status}.");
            }

            var existing = await GetAsync(reference, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return (!string.Equals(existing.SubmittedSha256, digest, StringComparison.Ordinal) ? AcceptStatus.Different
                    : existing.Delivered ? AcceptStatus.AlreadyDelivered
                    : AcceptStatus.StillPending, null);
            }
        }

        throw new InvalidOperationException("An inbox row kept appearing and disappearing while accepting an envelope.");
    }

    /// <summary>Point read of one row (any state); null when absent.</summary>
    public async Task<InboxRow?> GetAsync(EnvelopeRef reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await store.GetAsync(storage.Inbox.Name, reference.PartitionKey, reference.RowKey, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToRow(entity);
    }

    /// <summary>
    /// Replaces a pending row (guarded by its ETag) with the stored envelope, <c>State = delivered</c>. False when the
    /// row changed or vanished since it was read (another delivery won, or it was acknowledged / swept).
    /// </summary>
    public async Task<bool> MarkDeliveredAsync(InboxRow row, string storedEnvelopeJson, long deliveredAtMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(storedEnvelopeJson);
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var properties = new Dictionary<string, object?>
        {
            [StateColumn] = Delivered,
            [ArrivedAtColumn] = row.ArrivedAt,
            [DeliveredAtColumn] = deliveredAtMs,
            [SubmittedSha256Column] = row.SubmittedSha256,
        };
        ChunkedText.Write(properties, EnvelopeColumn, storedEnvelopeJson);
        // Replace, not merge: the stored envelope may need fewer chunk columns than the submitted one.
        var result = await store.UpdateAsync(storage.Inbox.Name, new TableEntity(row.Address, row.RowKey, properties), row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            TableWriteStatus.Ok => true,
            TableWriteStatus.PreconditionFailed or TableWriteStatus.NotFound => false,
            _ => throw new InvalidOperationException($"Storing a delivered envelope ended with {result.Status}."),
        };
    }

    /// <summary>Up to <paramref name="limit"/> delivered envelopes after <paramref name="after"/>, oldest first.</summary>
    public async Task<InboxPage> ReadAsync(string address, int limit, InboxPosition? after, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var table = storage.Inbox.Name;
        var delivered = TableFilter.And(TableFilter.PartitionKeyEquals(address), StateColumn + " eq " + TableFilter.Quote(Delivered));

        // 1. The limit + 1 earliest delivered positions after the cursor (keys and times only; a max-heap of that size).
        var scanFilter = after is { } cursor ? TableFilter.And(delivered, ArrivedAtColumn + " ge " + Int64Literal(cursor.ArrivedAt)) : delivered;
        var earliest = new PriorityQueue<InboxPosition, InboxPosition>(limit + 2, Comparer<InboxPosition>.Create((a, b) => b.CompareTo(a)));
        var scanned = 0;
        var truncated = false;
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync(table, new TableQuery(scanFilter, ["RowKey", ArrivedAtColumn], QueryPageSize), continuation, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var position = new InboxPosition(item.GetInt64(ArrivedAtColumn) ?? 0, item.RowKey);
                if (after is { } a && position <= a)
                {
                    continue;
                }

                earliest.Enqueue(position, position);
                if (earliest.Count > limit + 1)
                {
                    earliest.Dequeue();
                }
            }

            scanned += page.Items.Count;
            continuation = page.Continuation;
            truncated = continuation is not null && scanned >= MaxScannedRows;
        }
        while (continuation is not null && !truncated);

        if (earliest.Count == 0)
        {
            return new InboxPage([], null);
        }

        var candidates = new List<InboxPosition>(earliest.Count);
        while (earliest.Count > 0)
        {
            candidates.Add(earliest.Dequeue());
        }

        candidates.Reverse();
        var more = truncated || candidates.Count > limit;
        var first = candidates[0];
        var last = candidates[Math.Min(limit, candidates.Count) - 1];

        // 2. Exactly the arrival range [first, last] with the envelopes (rows delivered meanwhile inside it included).
        var rangeFilter = TableFilter.And(TableFilter.And(delivered, AtOrAfter(first)), AtOrBefore(last));
        var rows = new List<(InboxPosition Position, TableEntity Entity)>(Math.Min(limit, candidates.Count));
        continuation = null;
        do
        {
            var page = await store.QueryAsync(table, new TableQuery(rangeFilter, null, QueryPageSize), continuation, cancellationToken).ConfigureAwait(false);
            rows.AddRange(page.Items.Select(e => (new InboxPosition(e.GetInt64(ArrivedAtColumn) ?? 0, e.RowKey), e)));
            continuation = page.Continuation;
        }
        while (continuation is not null);

        rows.Sort((x, y) => x.Position.CompareTo(y.Position));
        if (rows.Count > limit)
        {
            rows.RemoveRange(limit, rows.Count - limit);
            more = true;
        }

        var envelopes = rows.Select(r => ChunkedText.Read(r.Entity, EnvelopeColumn) ?? throw new InvalidOperationException("An inbox row has no envelope.")).ToList();
        return new InboxPage(envelopes, more ? (rows.Count > 0 ? rows[^1].Position : last) : null);
    }

    /// <summary>Deletes one envelope (one point delete); idempotent. True when something was deleted.</summary>
    public async Task<bool> AcknowledgeAsync(string address, string from, string messageHash, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        return await DeleteIfPresentAsync(store, storage.Inbox.Name, address, RowKeyOf(from, messageHash), "*", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows (all partitions, any state) that arrived before <paramref name="cutoffMs"/>, one query page at a time.</summary>
    internal async Task<(IReadOnlyList<(string Address, string RowKey, bool Delivered, string ETag)> Rows, string? Continuation)> FindArrivedBeforeAsync(long cutoffMs, string? continuation, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var filter = ArrivedAtColumn + " lt " + Int64Literal(cutoffMs);
        var page = await store.QueryAsync(storage.Inbox.Name, new TableQuery(filter, ["PartitionKey", "RowKey", StateColumn], QueryPageSize), continuation, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(e => (e.PartitionKey, e.RowKey, e.GetString(StateColumn) == Delivered, e.ETag ?? "*")).ToList(), page.Continuation);
    }

    /// <summary>Removes a pending row this service inserted but could not announce, unless it changed since (ETag).</summary>
    internal async Task<bool> WithdrawAsync(EnvelopeRef reference, string insertedETag, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        return await DeleteIfPresentAsync(store, storage.Inbox.Name, reference.PartitionKey, reference.RowKey, insertedETag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a row the sweeper found, unless it changed since (then it is not the row that expired).</summary>
    internal async Task<bool> DeleteExpiredAsync(string address, string rowKey, string etag, CancellationToken cancellationToken)
    {
        var store = await storage.Inbox.ReadyAsync(cancellationToken).ConfigureAwait(false);
        return await DeleteIfPresentAsync(store, storage.Inbox.Name, address, rowKey, etag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Delete guarded by <paramref name="etag"/>; true when deleted, false when absent or changed.</summary>
    internal static async Task<bool> DeleteIfPresentAsync(ITableStore store, string table, string pk, string rk, string etag, CancellationToken cancellationToken)
    {
        var result = await store.DeleteAsync(table, pk, rk, etag, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            TableWriteStatus.Ok => true,
            TableWriteStatus.NotFound or TableWriteStatus.PreconditionFailed => false,
            _ => throw new InvalidOperationException($"Delete ended with {result.Status}."),
        };
    }

    private static InboxRow ToRow(TableEntity entity) => new(
        entity.PartitionKey,
        entity.RowKey,
        entity.GetString(StateColumn) == Delivered,
        entity.GetInt64(ArrivedAtColumn) ?? throw new InvalidOperationException("An inbox row has no arrival time."),
        ChunkedText.Read(entity, EnvelopeColumn) ?? throw new InvalidOperationException("An inbox row has no envelope."),
        entity.GetString(DeliveryInformationColumn),
        entity.GetString(ReceiverNameColumn),
        entity.GetString(SubmittedSha256Column) ?? "",
        entity.ETag ?? throw new InvalidOperationException("An inbox row was read without an ETag."));

    /// <summary>(time, key) ≥ position, as an OData filter.</summary>
    private static string AtOrAfter(InboxPosition p) =>
        "(" + ArrivedAtColumn + " gt " + Int64Literal(p.ArrivedAt) + ") or ((" + ArrivedAtColumn + " eq " + Int64Literal(p.ArrivedAt) + ") and (RowKey ge " + TableFilter.Quote(p.RowKey) + "))";

    /// <summary>(time, key) ≤ position, as an OData filter.</summary>
    private static string AtOrBefore(InboxPosition p) =>
        "(" + ArrivedAtColumn + " lt " + Int64Literal(p.ArrivedAt) + ") or ((" + ArrivedAtColumn + " eq " + Int64Literal(p.ArrivedAt) + ") and (RowKey le " + TableFilter.Quote(p.RowKey) + "))";

    private static string Int64Literal(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    private static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
