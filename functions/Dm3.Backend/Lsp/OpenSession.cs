using Dm3.Backend.Apps;
using Dm3.Backend.Nonces;
using Dm3.Protocol.Links;
using Dm3.Protocol.Siwe;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary><c>POST /lsp/v1/sessions</c> body <c>{message, signature}</c>.</summary>
public sealed record OpenSessionRequest(string? Message, string? Signature);

/// <summary>
/// Opens an owner session from an owner proof (§5.3 with §16 items 4, 6, 14b): the component's form is checked strictly
/// (its statement is exactly the §5.2 one), any other statement is the dApp's SIWE, read leniently. Checks run in the
/// order 1 (format), 2 (domain, URI prefix, chain id), 3 (one app resource, scopes allowed for the domain), 5 (time),
/// 6 (signature); then the per-owner rate limit; the server nonce (purpose <c>owner</c>) is consumed last, so a
/// failing request never burns it. Every verification failure is the same 401 <c>invalid_proof</c>.
/// </summary>
public sealed class OpenSessionHandler(
    AppCatalog apps,
    NonceService nonces,
    LspSessionStore sessions,
    OwnerIndexKey indexKey,
    RateLimiter limiter,
    TimeProvider time,
    ILogger<OpenSessionHandler> logger)
{
    public static readonly TimeSpan MaxSessionLifetime = TimeSpan.FromSeconds(600);

    public async Task<LspResult<OpenedSession>> HandleAsync(OpenSessionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Message is null || request.Signature is null)
        {
            return LspError.Request("The body must be {\"message\": string, \"signature\": string}.");
        }

        var now = time.GetUtcNow();
        var (proof, app, reason) = Check(request.Message, request.Signature, now);
        if (reason is not null)
        {
            return Reject(reason);
        }

        var owner = proof!.Message.AddressBytes;
        if (await limiter.HitAsync("session:" + indexKey.OwnerRateKey(owner), app!.LspLimits.SessionsPerMinutePerOwner, TimeSpan.FromMinutes(1), cancellationToken)
                .ConfigureAwait(false) is { } limited)
        {
            return limited;
        }

        var consumed = await nonces.ConsumeAsync(app.ParentName, NoncePurposes.Owner, proof.Message.Nonce, cancellationToken).ConfigureAwait(false);
        if (consumed != NonceConsumption.Consumed)
        {
            return Reject("nonce." + consumed.ToString().ToLowerInvariant());
        }

        var expiresAt = proof.Message.ExpirationInstant!.Value;
        if (expiresAt > now + MaxSessionLifetime)
        {
            expiresAt = now + MaxSessionLifetime;
        }

        return await sessions.CreateAsync(owner, app.ParentName, proof.Scopes, DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Checks 1, 2, 3, 5 and 6 of §5.3 (everything but the nonce); the reason code on failure (for the log only).</summary>
    internal (OwnerProof? Proof, AppDefinition? App, string? Reason) Check(string message, string signature, DateTimeOffset now)
    {
        if (!OwnerProof.TryParse(message, out var proof, out var error))
        {
            return (null, null, error.Code);
        }

        var app = apps.FindByParent(proof.AppParentName);
        var domain = app?.FindDomain(proof.Message.Domain);
        if (app is null || domain is null)
        {
            return (null, null, "proof.domain_not_allowed");
        }

        if (proof.Scopes.Any(s => !domain.Scopes.Contains(s)))
        {
            return (null, null, "proof.scope_not_allowed");
        }

        var expectations = LinkedProfileTexts.ProofExpectations(now, domain.Host, domain.UriPrefixes, app.ChainIds.Select(c => (ulong)c).ToArray(), null);
        var verification = SiweVerifier.Verify(message, signature, expectations, proof.IsComponentForm ? SiweMode.Strict : SiweMode.Lenient);
        return verification.IsValid ? (proof, app, null) : (null, null, verification.Error?.Code ?? "proof.invalid");
    }

    private LspError Reject(string reason)
    {
        LspLog.ProofRejected(logger, "sessions", reason);
        return LspError.Proof;
    }
}

/// <summary><c>POST /lsp/v1/nonces</c>: a server nonce for <c>owner</c>, <c>publish-link</c> or <c>unpublish-link</c>, rate-limited per IP and per app.</summary>
public sealed class IssueLspNonceHandler(AppCatalog apps, NonceService nonces, RateLimiter limiter)
{
    public async Task<LspResult<IssuedNonce>> HandleAsync(IssueNonceRequest request, string clientIp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var app = apps.FindByParent(request.App);
        if (app is null)
        {
            return new LspError(LspErrorKind.UnknownApp, "'app' is not an app parent name served here.");
        }

        if (request.Purpose is null || !NoncePurposes.LinkedProfiles.Contains(request.Purpose))
        {
            return LspError.Request("'purpose' must be one of: owner, publish-link, unpublish-link.");
        }

        var limits = app.LspLimits;
        var limited = await limiter.HitAsync("nonce-ip:" + clientIp, limits.NoncesPerMinutePerIp, TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false)
            ?? await limiter.HitAsync("nonce-app:" + app.ParentName, limits.NoncesPerMinutePerApp, TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        if (limited is not null)
        {
            return limited;
        }

        var issued = await nonces.IssueAsync(request, NoncePurposes.LinkedProfiles, cancellationToken).ConfigureAwait(false);
        return issued.Nonce is { } nonce ? nonce : LspError.Request(issued.Error!.Message);
    }
}
