using System.Text.Json.Nodes;
using Dm3.Backend.Storage;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Lsp;

/// <summary>The creation parameters of path (a) (§6.1): <c>{domain, uri, chainId, nonce, issuedAt}</c>, no owner.</summary>
public sealed record CreationParameters(string Domain, string Uri, ulong ChainId, string Nonce, string IssuedAt)
{
    public JsonObject ToJson() => new()
    {
        ["domain"] = Domain,
        ["uri"] = Uri,
        ["chainId"] = ChainId,
        ["nonce"] = Nonce,
        ["issuedAt"] = IssuedAt,
    };
}

/// <summary>One row of the owner index: the active LSP (<see cref="OwnerIndex.ActiveRowKey"/>) or a deleted one (row key = its name).</summary>
public sealed record OwnerIndexEntry(
    string LspName,
    string LspAddress,
    string Origin,
    DateTimeOffset CreatedAt,
    bool Deleted,
    CreationParameters? Creation,
    EscrowBlob? Escrow,
    DateTimeOffset? DeletedAt = null,
    string? ETag = null)
{
    /// <summary>The table row key (<see cref="OwnerIndex.ActiveRowKey"/> or the LSP name).</summary>
    public string RowKey { get; init; } = OwnerIndex.ActiveRowKey;
}

/// <summary>
/// The private owner → LSP index (§6.1) in the <c>LspOwners</c> table. PK = <see cref="OwnerIndexKey.Partition"/>.
/// The active LSP of (owner, app) lives in the row <see cref="ActiveRowKey"/>, inserted if absent: that one row is the
/// "one active LSP per owner and app" rule, so of concurrent registrations exactly one wins. A deleted LSP moves to a
/// row keyed by its LSP name (no escrow) and is purged after <see cref="DeletedRetention"/>. A query is one partition read.
/// </summary>
public sealed class OwnerIndex(LspStorage storage)
{
    /// <summary>Sorts before every LSP name (they start with "0x").</summary>
    public const string ActiveRowKey = "active";

    public static readonly TimeSpan DeletedRetention = TimeSpan.FromDays(30);

    private const string LspNameColumn = "LspName";
    private const string LspAddressColumn = "LspAddress";
    private const string OriginColumn = "Origin";
    internal const string CreatedAtColumn = "CreatedAt";
    internal const string StateColumn = "State";
    internal const string DeletedAtColumn = "DeletedAt";
    private const string CreationColumn = "Creation";
    internal const string EscrowKidColumn = "EscrowKid";
    private const string EscrowWrappedDekColumn = "EscrowWrappedDek";
    private const string EscrowIvColumn = "EscrowIv";
    private const string EscrowCiphertextColumn = "EscrowCiphertext";
    internal const string DeletedState = "deleted";

    /// <summary>Every row of the partition (the active one first).</summary>
    public async Task<IReadOnlyList<OwnerIndexEntry>> ReadAsync(string partition, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<OwnerIndexEntry>();
        string? continuation = null;
        do
        {
            var page = await table.QueryAsync(storage.OwnerIndex.Name, new TableQuery(TableFilter.PartitionKeyEquals(partition)), continuation, cancellationToken)
                .ConfigureAwait(false);
            rows.AddRange(page.Items.Select(FromEntity));
            continuation = page.Continuation;
        }
        while (continuation is not null);

        return rows;
    }

    public async Task<OwnerIndexEntry?> GetActiveAsync(string partition, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await table.GetAsync(storage.OwnerIndex.Name, partition, ActiveRowKey, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>Insert-if-absent of the active row; false when (owner, app) already has an active LSP.</summary>
    public async Task<(bool Inserted, string? ETag)> TryInsertActiveAsync(string partition, OwnerIndexEntry entry, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await table.InsertAsync(storage.OwnerIndex.Name, ToEntity(partition, ActiveRowKey, entry), cancellationToken).ConfigureAwait(false);
        return (result.IsOk, result.ETag);
    }

    /// <summary>Removes the active row (guarded by <paramref name="etag"/>); used to undo a failed registration and on deletion.</summary>
    public async Task<bool> RemoveActiveAsync(string partition, string etag, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await table.DeleteAsync(storage.OwnerIndex.Name, partition, ActiveRowKey, etag, cancellationToken).ConfigureAwait(false);
        return result.IsOk;
    }

    /// <summary>Keeps the deleted LSP for audit (no escrow, no creation parameters) under its name.</summary>
    public async Task WriteDeletedAsync(string partition, OwnerIndexEntry active, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var row = active with { Deleted = true, DeletedAt = deletedAt, Escrow = null, Creation = null };
        await table.UpsertAsync(storage.OwnerIndex.Name, ToEntity(partition, active.LspName, row), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the escrow of an active row if it is unchanged since read (key rotation).</summary>
    public async Task<bool> ReplaceEscrowAsync(string partition, string rowKey, EscrowBlob escrow, string etag, CancellationToken cancellationToken)
    {
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        WriteEscrow(properties, escrow);
        var result = await table.UpdateAsync(storage.OwnerIndex.Name, new TableEntity(partition, rowKey, properties), etag, TableUpdateMode.Merge, cancellationToken)
            .ConfigureAwait(false);
        return result.IsOk;
    }

    internal static TableEntity ToEntity(string partition, string rowKey, OwnerIndexEntry e)
    {
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [LspNameColumn] = e.LspName,
            [LspAddressColumn] = e.LspAddress,
            [OriginColumn] = e.Origin,
            [CreatedAtColumn] = e.CreatedAt,
            [StateColumn] = e.Deleted ? DeletedState : "active",
        };
        if (e.DeletedAt is { } deletedAt)
        {
            properties[DeletedAtColumn] = deletedAt;
        }

        if (e.Creation is not null)
        {
            properties[CreationColumn] = CanonicalJson.Serialize(e.Creation.ToJson());
        }

        if (e.Escrow is not null)
        {
            WriteEscrow(properties, e.Escrow);
        }

        return new TableEntity(partition, rowKey, properties);
    }

    private static void WriteEscrow(Dictionary<string, object?> properties, EscrowBlob escrow)
    {
        properties[EscrowKidColumn] = escrow.KeyId;
        properties[EscrowWrappedDekColumn] = escrow.WrappedDek;
        properties[EscrowIvColumn] = escrow.Iv;
        properties[EscrowCiphertextColumn] = escrow.Ciphertext;
    }

    internal static OwnerIndexEntry FromEntity(TableEntity e)
    {
        CreationParameters? creation = null;
        if (e.GetString(CreationColumn) is { } json && JsonNode.Parse(json) is JsonObject c)
        {
            creation = new CreationParameters((string)c["domain"]!, (string)c["uri"]!, (ulong)c["chainId"]!, (string)c["nonce"]!, (string)c["issuedAt"]!);
        }

        EscrowBlob? escrow = null;
        if (e.GetString(EscrowKidColumn) is { } kid && e.GetBinary(EscrowWrappedDekColumn) is { } dek && e.GetBinary(EscrowIvColumn) is { } iv
            && e.GetBinary(EscrowCiphertextColumn) is { } ciphertext)
        {
            escrow = new EscrowBlob(kid, dek, iv, ciphertext);
        }

        return new OwnerIndexEntry(e.GetString(LspNameColumn) ?? e.RowKey, e.GetString(LspAddressColumn) ?? "", e.GetString(OriginColumn) ?? "",
            e.GetDateTime(CreatedAtColumn) ?? DateTimeOffset.UnixEpoch, e.GetString(StateColumn) == DeletedState, creation, escrow,
            e.GetDateTime(DeletedAtColumn), e.ETag) { RowKey = e.RowKey };
    }
}
