using Dm3.Backend.Storage;

namespace Dm3.Backend.Names;

/// <summary>One stored address name (decisions §26: <c>Names</c>, PK = name, RK = "").</summary>
/// <param name="ProfileJson">The canonical JSON of the SignedUserProfile (wire formats §2, §3).</param>
/// <param name="ProfileHash">sha256 of <paramref name="ProfileJson"/> as 0x-hex (the dm3Hash).</param>
/// <param name="Link">The published <c>network.dm3.link</c> attestation, if any (written by the linked-profile API).</param>
/// <param name="Deleted">
/// A tombstone left by <c>DELETE /resolver/profile/{name}</c>: no profile and no link, but the Version and the last
/// profile hash survive, so a later claim cannot silently re-create the name with an old signed profile.
/// </param>
public sealed record NameRecord(
    string Name,
    string App,
    string Address,
    string ProfileJson,
    string ProfileHash,
    long Version,
    DateTimeOffset UpdatedAt,
    string? Link,
    string? ETag,
    bool Deleted = false)
{
    /// <summary>The tombstone that replaces this record on deletion (same name, app, address, version and hash).</summary>
    public NameRecord ToTombstone(DateTimeOffset deletedAt) =>
        this with { ProfileJson = "", Link = null, UpdatedAt = deletedAt, Deleted = true };
}

/// <summary>Outcome of a guarded write to the Names table.</summary>
public enum NameWriteStatus { Written, Exists, Stale, Missing }

/// <summary>
/// The Names table: a resolve is one point read by name. Writes are insert-if-absent or guarded by the stored ETag.
/// Column names are part of the storage contract (other features read <c>Link</c> and <c>Profile</c>).
/// </summary>
public sealed class NameStore
{
    public const string DefaultTableName = "Names";
    internal const string AppColumn = "App";
    internal const string AddressColumn = "Address";
    internal const string ProfileColumn = "Profile";
    internal const string ProfileHashColumn = "ProfileHash";
    internal const string VersionColumn = "Version";
    internal const string UpdatedAtColumn = "UpdatedAt";
    internal const string LinkColumn = "Link";
    internal const string DeletedColumn = "Deleted";

    private readonly EnsuredTable _table;

    public NameStore(ITableStore store, string tableName = DefaultTableName)
    {
        _table = new EnsuredTable(store, tableName);
    }

    public string TableName => _table.Name;

    /// <summary>
    /// Raised after every write attempt on a name (whatever its outcome: a conflict or a stale ETag also means the
    /// stored row may differ from a cached copy). In-process caches of hosted records drop the name at once.
    /// </summary>
    public event Action<string>? Changed;

    /// <summary>The live record for <paramref name="name"/>; null when absent or deleted (a tombstone resolves as absent).</summary>
    public async Task<NameRecord?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var record = await GetIncludingTombstoneAsync(name, cancellationToken).ConfigureAwait(false);
        return record is { Deleted: false } ? record : null;
    }

    /// <summary>
    /// The stored row for <paramref name="name"/> including a tombstone (<see cref="NameRecord.Deleted"/>). Only write
    /// paths that must guard against re-creating a deleted name use this; every reader uses <see cref="GetAsync"/>.
    /// </summary>
    public async Task<NameRecord?> GetIncludingTombstoneAsync(string name, CancellationToken cancellationToken)
    {
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await store.GetAsync(_table.Name, name, "", cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<(NameWriteStatus Status, NameRecord? Stored)> InsertAsync(NameRecord record, CancellationToken cancellationToken)
    {
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await store.InsertAsync(_table.Name, ToEntity(record), cancellationToken).ConfigureAwait(false);
        Changed?.Invoke(record.Name);
        return result.Status switch
        {
            TableWriteStatus.Ok => (NameWriteStatus.Written, record with { ETag = result.ETag }),
            TableWriteStatus.Conflict => (NameWriteStatus.Exists, null),
            _ => throw new InvalidOperationException($"Unexpected insert outcome {result.Status}."),
        };
    }

    /// <summary>Replaces the stored record only if it still carries <paramref name="etag"/>.</summary>
    public async Task<(NameWriteStatus Status, NameRecord? Stored)> ReplaceAsync(NameRecord record, string etag, CancellationToken cancellationToken)
    {
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await store.UpdateAsync(_table.Name, ToEntity(record), etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        Changed?.Invoke(record.Name);
        return result.Status switch
        {
            TableWriteStatus.Ok => (NameWriteStatus.Written, record with { ETag = result.ETag }),
            TableWriteStatus.PreconditionFailed => (NameWriteStatus.Stale, null),
            TableWriteStatus.NotFound => (NameWriteStatus.Missing, null),
            _ => throw new InvalidOperationException($"Unexpected replace outcome {result.Status}."),
        };
    }

    /// <summary>Deletes the record only if it still carries <paramref name="etag"/>.</summary>
    public async Task<NameWriteStatus> DeleteAsync(string name, string etag, CancellationToken cancellationToken)
    {
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await store.DeleteAsync(_table.Name, name, "", etag, cancellationToken).ConfigureAwait(false);
        Changed?.Invoke(name);
        return result.Status switch
        {
            TableWriteStatus.Ok => NameWriteStatus.Written,
            TableWriteStatus.PreconditionFailed => NameWriteStatus.Stale,
            TableWriteStatus.NotFound => NameWriteStatus.Missing,
            _ => throw new InvalidOperationException($"Unexpected delete outcome {result.Status}."),
        };
    }

    internal static TableEntity ToEntity(NameRecord r)
    {
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [AppColumn] = r.App,
            [AddressColumn] = r.Address,
            [ProfileColumn] = r.ProfileJson,
            [ProfileHashColumn] = r.ProfileHash,
            [VersionColumn] = r.Version,
            [UpdatedAtColumn] = r.UpdatedAt,
        };
        if (r.Link is not null)
        {
            properties[LinkColumn] = r.Link;
        }

        if (r.Deleted)
        {
            properties[DeletedColumn] = true;
        }

        return new TableEntity(r.Name, "", properties);
    }

    internal static NameRecord FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetString(AppColumn) ?? "",
        e.GetString(AddressColumn) ?? "",
        e.GetString(ProfileColumn) ?? "",
        e.GetString(ProfileHashColumn) ?? "",
        e.GetInt64(VersionColumn) ?? 0,
        e.GetDateTime(UpdatedAtColumn) ?? DateTimeOffset.UnixEpoch,
        e.GetString(LinkColumn),
        e.ETag,
        e.GetBool(DeletedColumn) ?? false);
}
