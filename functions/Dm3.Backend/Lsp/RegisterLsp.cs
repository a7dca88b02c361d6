using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Delivery;
using Dm3.Backend.Names;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary>
/// <c>POST /lsp/v1/profiles</c> body (§6.2): <c>{lspName, signedUserProfile, origin, creation?, binding: {signature}, escrow?}</c>.
/// </summary>
public sealed record RegisterLspRequest(
    string LspName,
    JsonNode? SignedUserProfile,
    string Origin,
    JsonObject? Creation,
    string BindingSignature,
    string? EscrowWalletPrivateKey,
    string? EscrowProfileSeed)
{
    private static readonly string[] Members = ["lspName", "signedUserProfile", "origin", "creation", "binding", "escrow"];

    /// <summary>Reads the body (duplicate keys rejected); shape errors are 400 <c>invalid_request</c>.</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out RegisterLspRequest? request, [NotNullWhen(false)] out LspError? error)
    {
        request = null;
        error = null;
        if (json is null || !CanonicalJson.TryParse(json, out var node, out _) || node is not JsonObject body)
        {
            error = LspError.Request("The body must be a JSON object without duplicate keys.");
            return false;
        }

        if (body.Select(p => p.Key).FirstOrDefault(k => !Members.Contains(k)) is { } unknown)
        {
            error = LspError.Request($"Unknown member '{unknown}'.");
            return false;
        }

        var binding = body["binding"] as JsonObject;
        var escrow = body["escrow"];
        if (Str(body["lspName"]) is not { } lspName || Str(body["origin"]) is not { } origin || Str(binding?["signature"]) is not { } signature
            || binding!.Count != 1)
        {
            error = LspError.Request("'lspName', 'origin' and 'binding': {\"signature\"} are required strings.");
            return false;
        }

        if (body["creation"] is { } creation && creation is not JsonObject)
        {
            error = LspError.Request("'creation' must be an object.");
            return false;
        }

        string? wallet = null, seed = null;
        if (escrow is not null)
        {
            if (escrow is not JsonObject e || e.Count != 2 || Str(e["walletPrivateKey"]) is not { } w || Str(e["profileSeed"]) is not { } s)
            {
                error = LspError.Request("'escrow' must be {\"walletPrivateKey\": string, \"profileSeed\": string}.");
                return false;
            }

            (wallet, seed) = (w, s);
        }

        request = new RegisterLspRequest(lspName, body["signedUserProfile"], origin, body["creation"] as JsonObject, signature, wallet, seed);
        return true;
    }

    internal static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

/// <summary>
/// Registers an owned LSP (§6.2 checks 1–7, §16 items 5 and 14a, decisions §26 and §35). Validation first (name form,
/// origin, creation, profile signed by A_L with 1–4 delivery services, the binding text signed by A_L, escrow keys that
/// derive A_L and the profile keys); then storage in this order, every step undone if a later one fails:
/// owner-index partition read (an active LSP → 409 <c>lsp_exists</c>; registrations in the last 24 h counted here),
/// the session's one binding (ETag), the active index row with the sealed escrow (insert-if-absent: exactly one of
/// concurrent registrations wins), the resolver name (insert-if-absent; a different profile → 409 <c>name_taken</c>),
/// the delivery-service account. Six Table transactions on the success path.
/// </summary>
public sealed class RegisterLspHandler(
    LspSessionAuth auth,
    LspSessionStore sessions,
    OwnerIndex index,
    OwnerIndexKey indexKey,
    EscrowSealer escrow,
    NameStore names,
    OpenAccountHandler accounts,
    TimeProvider time,
    ILogger<RegisterLspHandler> logger)
{
    public const int MaxDeliveryServices = 4;

    public async Task<LspResult<string>> HandleAsync(string? bearerToken, RegisterLspRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorized = await auth.AuthorizeAsync(bearerToken, LspScopes.Register, cancellationToken).ConfigureAwait(false);
        if (!authorized.IsOk)
        {
            return authorized.Error!;
        }

        var (session, app) = authorized.Value;
        if (session.BindingUsed)
        {
            return new LspError(LspErrorKind.SessionUsed, "This session has already bound an LSP; open a new session.");
        }

        var validated = Validate(request, session, app);
        if (!validated.IsOk)
        {
            return validated.Error!;
        }

        var (lspAddress, profile, creation, walletKey, profileSeed) = validated.Value!;
        var now = time.GetUtcNow();
        var partition = indexKey.Partition(session.Owner, app.ParentName);
        var rows = await index.ReadAsync(partition, cancellationToken).ConfigureAwait(false);
        if (rows.Any(r => r.RowKey == OwnerIndex.ActiveRowKey))
        {
            return new LspError(LspErrorKind.LspExists, "This owner already has an active LSP for this app.");
        }

        var recent = rows.Count(r => r.CreatedAt > now - TimeSpan.FromDays(1));
        if (recent >= app.LspLimits.RegistrationsPerDayPerOwner)
        {
            var oldest = rows.Where(r => r.CreatedAt > now - TimeSpan.FromDays(1)).Min(r => r.CreatedAt);
            var retry = oldest + TimeSpan.FromDays(1) - now;
            return new LspError(LspErrorKind.RateLimited, "Too many registrations for this owner and app today.", retry,
                new RateLimitState(app.LspLimits.RegistrationsPerDayPerOwner, 0, retry));
        }

        EscrowBlob? sealedEscrow = walletKey is null
            ? null
            : await escrow.SealAsync(app.ParentName, request.LspName, session.Owner, walletKey, profileSeed!, cancellationToken).ConfigureAwait(false);

        if (!await sessions.TryUseBindingAsync(session, cancellationToken).ConfigureAwait(false))
        {
            return new LspError(LspErrorKind.SessionUsed, "This session has already bound an LSP; open a new session.");
        }

        var lower = Ethereum.ToLowerAddress(lspAddress);
        var entry = new OwnerIndexEntry(request.LspName, lower, request.Origin, now, false, creation, sealedEscrow);
        var (inserted, etag) = await index.TryInsertActiveAsync(partition, entry, cancellationToken).ConfigureAwait(false);
        if (!inserted)
        {
            await sessions.ReleaseBindingAsync(session, cancellationToken).ConfigureAwait(false);
            return new LspError(LspErrorKind.LspExists, "This owner already has an active LSP for this app.");
        }

        var claim = await ClaimNameAsync(request.LspName, app, lower, profile, now, cancellationToken).ConfigureAwait(false);
        if (claim is not null)
        {
            await index.RemoveActiveAsync(partition, etag ?? "*", cancellationToken).ConfigureAwait(false);
            await sessions.ReleaseBindingAsync(session, cancellationToken).ConfigureAwait(false);
            LspLog.RegistrationUndone(logger, request.LspName, claim.Code);
            return claim;
        }

        // decisions §35: the delivery-service account exists from registration (the same sign-up as a resolver claim).
        await accounts.HandleAsync(new OpenAccountRequest(lower, profile.Dm3Hash), cancellationToken).ConfigureAwait(false);
        LspLog.Registered(logger, request.LspName);
        return request.LspName;
    }

    private sealed record Validated(byte[] LspAddress, SignedUserProfile Profile, CreationParameters? Creation, byte[]? WalletKey, byte[]? ProfileSeed);

    private static LspResult<Validated> Validate(RegisterLspRequest request, LspSession session, AppDefinition app)
    {
        if (!LspNames.TryParseLspName(request.LspName, out var lspAddress, out var parent, out _) || parent != app.ParentName)
        {
            return LspError.Request($"'lspName' must be 0x<40 lower-case hex>.addr.{app.ParentName}.");
        }

        var random = request.Origin == LinkObject.OriginRandom;
        if (!random && request.Origin != LinkObject.OriginSignature)
        {
            return LspError.Request("'origin' must be \"signature\" or \"random\".");
        }

        if (random && (request.EscrowWalletPrivateKey is null || request.Creation is not null))
        {
            return LspError.Request("Origin \"random\" requires 'escrow' and has no 'creation'.");
        }

        CreationParameters? creation = null;
        if (request.Creation is not null)
        {
            creation = ParseCreation(request.Creation, session, app);
            if (creation is null)
            {
                return LspError.Request("'creation' must be {domain, uri, chainId (number), nonce (32 hex), issuedAt (YYYY-MM-DDTHH:MM:SSZ)} of a valid creation message.");
            }
        }

        if (!SignedUserProfile.TryFromJson(request.SignedUserProfile, out var profile, out _) || !profile.Profile.TryDecodeKeys(out var encryptionKey, out var signingKey, out _))
        {
            return new LspError(LspErrorKind.InvalidProfile, "'signedUserProfile' is not a valid SignedUserProfile.");
        }

        var services = profile.Profile.DeliveryServices;
        if (!profile.VerifySignature(lspAddress) || services.Count is 0 or > MaxDeliveryServices
            || services.Any(s => System.Text.Encoding.UTF8.GetByteCount(s) is 0 or > LspNames.MaxNameBytes))
        {
            return new LspError(LspErrorKind.InvalidProfile, "The profile must be signed by the LSP address and list 1 to 4 delivery services.");
        }

        if (!BindingMatches(app.ParentName, request.LspName, session.Owner, session.SessionId, request.BindingSignature))
        {
            return new LspError(LspErrorKind.InvalidBinding, "'binding.signature' is not the LSP key's signature of the binding text for this session.");
        }

        if (request.EscrowWalletPrivateKey is null)
        {
            return new Validated(lspAddress, profile, creation, null, null);
        }

        if (!Hex.TryDecode(request.EscrowWalletPrivateKey, out var walletKey) || walletKey.Length != 32 || !Secp256k1.IsValidPrivateKey(walletKey)
            || !Ethereum.AddressFromPrivateKey(walletKey).AsSpan().SequenceEqual(lspAddress)
            || !Base64Std.TryDecode(request.EscrowProfileSeed, out var seed, 32))
        {
            return new LspError(LspErrorKind.EscrowMismatch, "The escrowed keys do not derive the LSP address and profile keys.");
        }

        var (derivedEncryption, derivedSigning) = LspKeyDerivation.ProfilePublicKeys(seed);
        return derivedEncryption.AsSpan().SequenceEqual(encryptionKey) && derivedSigning.AsSpan().SequenceEqual(signingKey)
            ? new Validated(lspAddress, profile, creation, walletKey, seed)
            : new LspError(LspErrorKind.EscrowMismatch, "The escrowed keys do not derive the LSP address and profile keys.");
    }

    /// <summary>§6.2 check 3: the signature is A_L's EIP-191 signature of the server-built binding text for this owner and session.</summary>
    internal static bool BindingMatches(string app, string lspName, byte[] owner20, string sessionId, string signature) =>
        LspNames.TryParseLspName(lspName, out var lspAddress, out _, out _)
        && new LspBinding(app, lspName, owner20, sessionId).TryFormat(out var text, out _)
        && Ethereum.VerifyPersonalSignature(text, signature, lspAddress);

    /// <summary>The creation fields must form a valid creation message for this owner and app (§3.1, §16 item 7).</summary>
    private static CreationParameters? ParseCreation(JsonObject c, LspSession session, AppDefinition app)
    {
        if (c.Count != 5 || RegisterLspRequest.Str(c["domain"]) is not { } domain || RegisterLspRequest.Str(c["uri"]) is not { } uri
            || RegisterLspRequest.Str(c["nonce"]) is not { } nonce || RegisterLspRequest.Str(c["issuedAt"]) is not { } issuedAt
            || c["chainId"] is not JsonValue chain || chain.GetValueKind() != JsonValueKind.Number
            || !ulong.TryParse(chain.ToJsonString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var chainId)
            || !Rfc3339.IsStrictUtcSeconds(issuedAt) || !Rfc3339.TryParse(issuedAt, out var issued, out _))
        {
            return null;
        }

        var message = new CreationMessage(domain, uri, chainId, session.Owner, app.ParentName, nonce, issued);
        return message.TryFormat(out _, out _) ? new CreationParameters(domain, uri, chainId, nonce, issuedAt) : null;
    }

    /// <summary>§6.2 check 5: insert-if-absent; the same live profile is idempotent; a tombstone is re-claimed (the binding is fresh consent by L).</summary>
    private async Task<LspError?> ClaimNameAsync(string lspName, AppDefinition app, string lowerAddress, SignedUserProfile profile, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var json = profile.ToCanonicalJson();
        var hash = Hashes.Sha256HexOfUtf8(json);
        var record = new NameRecord(lspName, app.ParentName, lowerAddress, json, hash, 1, now, null, null);
        var (written, _) = await names.InsertAsync(record, cancellationToken).ConfigureAwait(false);
        if (written == NameWriteStatus.Written)
        {
            return null;
        }

        var existing = await names.GetIncludingTombstoneAsync(lspName, cancellationToken).ConfigureAwait(false);
        if (existing is { Deleted: false } && existing.ProfileHash == hash)
        {
            return null;
        }

        if (existing is { Deleted: true })
        {
            var (replaced, _) = await names.ReplaceAsync(record with { Version = existing.Version + 1 }, existing.ETag ?? "*", cancellationToken).ConfigureAwait(false);
            if (replaced == NameWriteStatus.Written)
            {
                return null;
            }
        }

        return new LspError(LspErrorKind.NameTaken, "A different profile holds this name.");
    }
}
