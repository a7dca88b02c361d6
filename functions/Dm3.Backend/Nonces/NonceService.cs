using System.Globalization;
using System.Security.Cryptography;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Storage;
using Dm3.Protocol;

namespace Dm3.Backend.Nonces;

/// <summary>Nonce purposes (linked-profiles §5.1, decisions §13).</summary>
public static class NoncePurposes
{
    public const string ProfileUpdate = "profile-update";
    public const string ProfileDelete = "profile-delete";
    public const string Owner = "owner";
    public const string PublishLink = "publish-link";
    public const string UnpublishLink = "unpublish-link";

    /// <summary>The purposes <c>POST /resolver/nonces</c> issues.</summary>
    public static readonly IReadOnlySet<string> Resolver = new HashSet<string>(StringComparer.Ordinal) { ProfileUpdate, ProfileDelete };

    /// <summary>The purposes the linked-profile API issues (<c>POST /lsp/v1/nonces</c>).</summary>
    public static readonly IReadOnlySet<string> LinkedProfiles = new HashSet<string>(StringComparer.Ordinal) { Owner, PublishLink, UnpublishLink };
}

/// <summary>Request to issue a nonce for <paramref name="App"/> (its parent name) and <paramref name="Purpose"/>.</summary>
public sealed record IssueNonceRequest(string? App, string? Purpose);

/// <summary>
/// An issued nonce. <paramref name="IssuedAt"/> and <paramref name="ExpirationTime"/> are suggestions for the client's
/// EIP-4361 message (now, now + 300 s); the nonce itself is stored until <paramref name="ValidUntil"/> (now + 600 s).
/// </summary>
public sealed record IssuedNonce(string Nonce, DateTimeOffset IssuedAt, DateTimeOffset ExpirationTime, DateTimeOffset ValidUntil);

/// <summary>Outcome of <see cref="NonceService.IssueAsync"/>: a nonce or an error value (unknown app, purpose not offered).</summary>
public sealed record IssueNonceResult(IssuedNonce? Nonce, ProtocolError? Error)
{
    public static IssueNonceResult Issued(IssuedNonce nonce) => new(nonce, null);

    public static IssueNonceResult Invalid(string code, string message) => new(null, new ProtocolError(code, message));
}

public enum NonceConsumption
{
    /// <summary>The nonce was ours, unexpired, for this app and purpose, and is now gone (it was deleted by us).</summary>
    Consumed,

    /// <summary>Never issued, already used, or issued for another purpose.</summary>
    Unknown,

    /// <summary>Issued, but its lifetime is over.</summary>
    Expired,

    /// <summary>Issued for another app.</summary>
    WrongApp,
}

/// <summary>
/// Server nonces for every wallet-authorised write (linked-profiles §5.1): 128-bit random, 32 lower-case hex, stored in
/// the <c>Nonces</c> table (PK = purpose, RK = nonce → app, expiry; decisions §26), valid once. Consumption is atomic:
/// a point read followed by a delete conditional on the read's ETag, so of two concurrent uses exactly one wins.
/// </summary>
public sealed class NonceService
{
    public const string DefaultTableName = "Nonces";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan SuggestedMessageLifetime = TimeSpan.FromSeconds(300);

    /// <summary>At most this many expired rows of the same purpose are removed per issuance (no timer function needed).</summary>
    public const int ExpiredRowsRemovedPerIssue = 8;

    private const string AppColumn = "App";
    private const string ExpiresAtColumn = "ExpiresAt";

    private readonly EnsuredTable _table;
    private readonly AppCatalog _apps;
    private readonly TimeProvider _time;

    public NonceService(ITableStore store, AppCatalog apps, TimeProvider time, string tableName = DefaultTableName)
    {
        ArgumentNullException.ThrowIfNull(apps);
        ArgumentNullException.ThrowIfNull(time);
        _table = new EnsuredTable(store, tableName);
        _apps = apps;
        _time = time;
    }

    /// <summary>Issues a nonce for a configured app and one of <paramref name="offeredPurposes"/>.</summary>
    public async Task<IssueNonceResult> IssueAsync(IssueNonceRequest request, IReadOnlySet<string> offeredPurposes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(offeredPurposes);
        var app = _apps.FindByParent(request.App);
        if (app is null)
        {
            return IssueNonceResult.Invalid("nonce.unknown_app", "'app' must be the parent name of an app served here.");
        }

        if (request.Purpose is null || !offeredPurposes.Contains(request.Purpose))
        {
            return IssueNonceResult.Invalid("nonce.unknown_purpose", "'purpose' must be one of: " + string.Join(", ", offeredPurposes.Order(StringComparer.Ordinal)) + ".");
        }

        var now = TruncateToSeconds(_time.GetUtcNow());
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var issued = new IssuedNonce(nonce, now, now + SuggestedMessageLifetime, now + Lifetime);
        var entity = new TableEntity(request.Purpose, nonce, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [AppColumn] = app.ParentName,
            [ExpiresAtColumn] = issued.ValidUntil,
        });
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        await RemoveSomeExpiredAsync(store, request.Purpose, now, cancellationToken).ConfigureAwait(false);
        var result = await store.InsertAsync(_table.Name, entity, cancellationToken).ConfigureAwait(false);
        if (!result.IsOk)
        {
            // 128 random bits never collide in practice; a conflict means the random source is broken.
            throw new InvalidOperationException("A freshly generated nonce already exists.");
        }

        return IssueNonceResult.Issued(issued);
    }

    /// <summary>
    /// Issuance is unauthenticated, so unused nonces would pile up: every issuance deletes up to
    /// <see cref="ExpiredRowsRemovedPerIssue"/> expired rows of its purpose partition. Issuing therefore removes expired
    /// rows at least as fast as it creates new ones. A row consumed or removed meanwhile is simply skipped.
    /// </summary>
    private async Task RemoveSomeExpiredAsync(ITableStore store, string purpose, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = TableFilter.And(
            TableFilter.PartitionKeyEquals(purpose),
            ExpiresAtColumn + " lt datetime'" + now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'");
        var page = await store.QueryAsync(_table.Name, new TableQuery(filter, ["PartitionKey", "RowKey"], ExpiredRowsRemovedPerIssue), null, cancellationToken).ConfigureAwait(false);
        foreach (var row in page.Items.Take(ExpiredRowsRemovedPerIssue))
        {
            // Ok, NotFound (consumed or removed concurrently) and PreconditionFailed are all fine here.
            await store.DeleteAsync(_table.Name, row.PartitionKey, row.RowKey, "*", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes every expired nonce of every purpose (the sweeper timer); returns how many rows it removed.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        return await TableSweep.DeleteWhereAsync(store, _table.Name, TableSweep.Before(ExpiresAtColumn, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Consumes <paramref name="nonce"/> for (<paramref name="app"/>, <paramref name="purpose"/>) exactly once.</summary>
    public async Task<NonceConsumption> ConsumeAsync(string app, string purpose, string nonce, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(nonce) || string.IsNullOrEmpty(purpose))
        {
            return NonceConsumption.Unknown;
        }

        var store = await _table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await store.GetAsync(_table.Name, purpose, nonce, cancellationToken).ConfigureAwait(false);
        if (entity is null)
        {
            return NonceConsumption.Unknown;
        }

        if (!string.Equals(entity.GetString(AppColumn), app, StringComparison.Ordinal))
        {
            return NonceConsumption.WrongApp;
        }

        var expiresAt = entity.GetDateTime(ExpiresAtColumn) ?? DateTimeOffset.MinValue;
        if (expiresAt <= _time.GetUtcNow())
        {
            await store.DeleteAsync(_table.Name, purpose, nonce, entity.ETag ?? "*", cancellationToken).ConfigureAwait(false);
            return NonceConsumption.Expired;
        }

        var deleted = await store.DeleteAsync(_table.Name, purpose, nonce, entity.ETag ?? "*", cancellationToken).ConfigureAwait(false);
        return deleted.IsOk ? NonceConsumption.Consumed : NonceConsumption.Unknown;
    }

    /// <summary>Exactly 32 lower-case hex characters (linked-profiles §2.2).</summary>
    public static bool IsWellFormed(string? nonce) =>
        nonce is { Length: 32 } && nonce.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());
}
