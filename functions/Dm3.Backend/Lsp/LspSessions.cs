using System.Security.Cryptography;
using System.Text;
using Dm3.Backend.Storage;
using Dm3.Protocol.Siwe;

namespace Dm3.Backend.Lsp;

/// <summary>
/// An owner session (§5.3). The owner is known to the service only while the caller presents the token: the row keeps
/// the owner address XOR-sealed with a pad derived from the token (only the token's SHA-256 is stored), so a table dump
/// reveals no owner.
/// </summary>
public sealed record LspSession(string TokenHash, string SessionId, string App, byte[] Owner, IReadOnlyList<string> Scopes,
    DateTimeOffset ExpiresAt, bool BindingUsed, string? ETag)
{
    public bool Has(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);
}

/// <summary>A new session's secrets and facts, returned once to the caller.</summary>
public sealed record OpenedSession(string Token, string SessionId, string Owner, string App, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt);

/// <summary>The <c>LspSessions</c> table: PK = sha256 hex of the token, RK = "".</summary>
public sealed class LspSessionStore(LspStorage storage, TimeProvider time)
{
    private const string SessionIdColumn = "SessionId";
    private const string AppColumn = "App";
    private const string ScopesColumn = "Scopes";
    internal const string ExpiresAtColumn = "ExpiresAt";
    private const string OwnerSealedColumn = "OwnerSealed";
    private const string BindingUsedColumn = "BindingUsed";

    public async Task<OpenedSession> CreateAsync(byte[] owner20, string app, IReadOnlyList<string> scopes, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var tokenBytes = RandomNumberGenerator.GetBytes(32);
        var token = Base64Url(tokenBytes);
        var sessionId = Dm3Siwe.NewNonce();
        var entity = new TableEntity(Hash(token), "", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [SessionIdColumn] = sessionId,
            [AppColumn] = app,
            [ScopesColumn] = string.Join(' ', scopes),
            [ExpiresAtColumn] = expiresAt,
            [OwnerSealedColumn] = Seal(token, owner20),
            [BindingUsedColumn] = false,
        });
        var table = await storage.Sessions.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var result = await table.InsertAsync(storage.Sessions.Name, entity, cancellationToken).ConfigureAwait(false);
        if (!result.IsOk)
        {
            throw new InvalidOperationException("A freshly generated session token already exists.");
        }

        return new OpenedSession(token, sessionId, Protocol.Crypto.Ethereum.ToChecksumAddress(owner20), app, scopes, expiresAt);
    }

    /// <summary>The live session of a bearer token (one point read), or null (unknown, malformed or expired).</summary>
    public async Task<LspSession?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: 43 })
        {
            return null;
        }

        var hash = Hash(token);
        var table = await storage.Sessions.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await table.GetAsync(storage.Sessions.Name, hash, "", cancellationToken).ConfigureAwait(false);
        if (entity is null || (entity.GetDateTime(ExpiresAtColumn) ?? DateTimeOffset.MinValue) <= time.GetUtcNow())
        {
            return null;
        }

        var sealedOwner = entity.GetBinary(OwnerSealedColumn);
        if (sealedOwner is not { Length: 20 })
        {
            return null;
        }

        return new LspSession(hash, entity.GetString(SessionIdColumn) ?? "", entity.GetString(AppColumn) ?? "", Seal(token, sealedOwner),
            (entity.GetString(ScopesColumn) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), entity.GetDateTime(ExpiresAtColumn)!.Value,
            entity.GetBool(BindingUsedColumn) ?? false, entity.ETag);
    }

    /// <summary>Marks the session's one binding as used, only if the session is unchanged since it was read.</summary>
    public Task<bool> TryUseBindingAsync(LspSession session, CancellationToken cancellationToken) =>
        SetBindingUsedAsync(session.TokenHash, true, session.ETag ?? "*", cancellationToken);

    /// <summary>Gives the binding back after a registration failed (nothing is left half-way).</summary>
    public Task<bool> ReleaseBindingAsync(LspSession session, CancellationToken cancellationToken) =>
        SetBindingUsedAsync(session.TokenHash, false, "*", cancellationToken);

    private async Task<bool> SetBindingUsedAsync(string tokenHash, bool used, string etag, CancellationToken cancellationToken)
    {
        var table = await storage.Sessions.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(tokenHash, "", new Dictionary<string, object?>(StringComparer.Ordinal) { [BindingUsedColumn] = used });
        var result = await table.UpdateAsync(storage.Sessions.Name, entity, etag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        return result.IsOk;
    }

    /// <summary>sha256 hex of the token text: the only form in which a token is stored.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>XOR with HMAC-SHA256(token, "dm3-lsp-session-owner-v1")[0..20]: seals and unseals (a one-time pad per token).</summary>
    private static byte[] Seal(string token, byte[] value20)
    {
        var pad = HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), "dm3-lsp-session-owner-v1"u8);
        var result = new byte[20];
        for (var i = 0; i < 20; i++)
        {
            result[i] = (byte)(value20[i] ^ pad[i]);
        }

        return result;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
