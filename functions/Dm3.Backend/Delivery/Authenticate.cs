using System.Text.Json.Nodes;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Delivery;

/// <summary>The verified caller of a protected route: the token's name (normalised) and that name's lower-case address.</summary>
public sealed record AuthenticatedName(string Name, string Address);

/// <summary>
/// The challenge flow of wire formats §10.1 with the project rules: HS256 with this deployment's random token secret
/// (never derived from the DS signing key), single-use challenges (the uuid is recorded in <c>Challenges</c>, PK = uuid,
/// RK = ""), 60 s clock skew, tokens bound to the normalised name.
/// </summary>
public sealed class Authenticator(DeliveryDirectory directory, DeliveryStorage storage, DeliveryKeys keys, TimeProvider time)
{
    private const string AccountColumn = "Account";
    internal const string ExpiresAtColumn = "ExpiresAt";

    /// <summary><c>GET /auth/{name}</c>: a challenge JWT for a name that resolves here.</summary>
    public async Task<DeliveryResult<string>> IssueChallengeAsync(string? rawName, CancellationToken cancellationToken)
    {
        var resolved = await directory.ResolveAsync(rawName, cancellationToken).ConfigureAwait(false);
        if (!resolved.IsOk)
        {
            return resolved.Error!;
        }

        return DeliveryServiceJwt.CreateChallenge(keys.TokenSecret, resolved.Value!.Name, Guid.NewGuid().ToString(), time.GetUtcNow().ToUnixTimeSeconds());
    }

    /// <summary>
    /// <c>POST /auth/{name}</c> body <c>{signature, challenge}</c> (closed): verifies the challenge JWT, that it was issued
    /// for this name, the Ed25519 signature over the whole challenge text by the profile the name resolves to, then
    /// consumes the challenge (a second use is refused) and issues a 1 h token for the name.
    /// </summary>
    public async Task<DeliveryResult<string>> LoginAsync(string? rawName, string? body, CancellationToken cancellationToken)
    {
        if (!TryReadLoginBody(body, out var challenge, out var signature, out var bodyError))
        {
            return bodyError;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (!DeliveryServiceJwt.TryVerifyChallenge(keys.TokenSecret, challenge, now, out var claims, out var jwtError))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, jwtError.Code, "The challenge is not valid: " + jwtError.Message);
        }

        var resolved = await directory.ResolveAsync(rawName, cancellationToken).ConfigureAwait(false);
        if (!resolved.IsOk)
        {
            return resolved.Error!;
        }

        var name = resolved.Value!;
        if (!string.Equals(claims.Account, name.Name, StringComparison.Ordinal))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.challenge_other_name", "The challenge was issued for another name.");
        }

        if (!name.Profile.Profile.TryDecodeKeys(out _, out var signingKey, out _)
            || !Ed25519.VerifyText(signingKey, challenge, signature))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.bad_signature", "Signature invalid.");
        }

        if (!await ConsumeAsync(claims, cancellationToken).ConfigureAwait(false))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.challenge_used", "The challenge has already been used.");
        }

        return IssueToken(name.Name);
    }

    /// <summary>A 1 h auth token for a normalised hosted name.</summary>
    public string IssueToken(string name) =>
        DeliveryServiceJwt.CreateAuthToken(keys.TokenSecret, name, time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>
    /// Verifies <c>Authorization: Bearer &lt;jwt&gt;</c> for <paramref name="rawName"/>: HS256 with our secret, time
    /// claims (60 s skew), exactly the auth claims, and <c>account == nameprep(name)</c>; then that the name still
    /// resolves and its address still has an account, through the hot-path cache (a removed name or account stops its
    /// tokens within <see cref="DeliveryDirectory.HotPathCacheLifetime"/>; at most two point reads per name per window).
    /// </summary>
    public async Task<DeliveryResult<AuthenticatedName>> AuthorizeAsync(string? rawName, string? authorizationHeader, CancellationToken cancellationToken)
    {
        const string Bearer = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.missing_token", "A bearer token is required.");
        }

        var hosted = directory.Classify(rawName);
        if (!hosted.IsOk)
        {
            return hosted.Error!;
        }

        var token = authorizationHeader[Bearer.Length..].Trim();
        if (!DeliveryServiceJwt.TryVerifyAuthToken(keys.TokenSecret, token, time.GetUtcNow().ToUnixTimeSeconds(), out var claims, out var error))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, error.Code, "The token is not valid: " + error.Message);
        }

        if (!string.Equals(claims.Account, hosted.Value!.Name, StringComparison.Ordinal))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.other_name", "The token was issued for another name.");
        }

        var resolved = await directory.ResolveCachedAsync(hosted.Value.Name, cancellationToken).ConfigureAwait(false);
        if (!resolved.IsOk || !await directory.HasAccountCachedAsync(resolved.Value!.Address, cancellationToken).ConfigureAwait(false))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.no_account", "The name no longer has an account at this delivery service.");
        }

        return new AuthenticatedName(hosted.Value.Name, hosted.Value.Address!);
    }

    /// <summary>
    /// A bearer token on a route without a name (<c>/outbox</c>): the name is the token's own <c>account</c> claim, then
    /// every check of <see cref="AuthorizeAsync"/> applies to it.
    /// </summary>
    public Task<DeliveryResult<AuthenticatedName>> AuthorizeBearerAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        const string Bearer = "Bearer ";
        var token = authorizationHeader is not null && authorizationHeader.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            ? authorizationHeader[Bearer.Length..].Trim()
            : null;
        return DeliveryServiceJwt.TryVerifyAuthToken(keys.TokenSecret, token, time.GetUtcNow().ToUnixTimeSeconds(), out var claims, out var error)
            ? AuthorizeAsync(claims.Account, authorizationHeader, cancellationToken)
            : Task.FromResult<DeliveryResult<AuthenticatedName>>(token is null
                ? new DeliveryError(DeliveryErrorKind.Unauthorized, "auth.missing_token", "A bearer token is required.")
                : new DeliveryError(DeliveryErrorKind.Unauthorized, error.Code, "The token is not valid: " + error.Message));
    }

    private async Task<bool> ConsumeAsync(ChallengeClaims claims, CancellationToken cancellationToken)
    {
        var store = await storage.Challenges.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(claims.Challenge, "", new Dictionary<string, object?>
        {
            [AccountColumn] = claims.Account,
            // Kept until the challenge could no longer verify anyway; the sweeper removes it afterwards.
            [ExpiresAtColumn] = DateTimeOffset.FromUnixTimeSeconds(claims.Expires + DeliveryServiceJwt.ClockSkewSeconds),
        });
        var result = await store.InsertAsync(storage.Challenges.Name, entity, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            TableWriteStatus.Ok => true,
            TableWriteStatus.Conflict => false,
            _ => throw new InvalidOperationException($"Recording a challenge ended with {result.Status}."),
        };
    }

    private static bool TryReadLoginBody(string? body, out string challenge, out string signature, out DeliveryError error)
    {
        challenge = signature = "";
        error = new DeliveryError(DeliveryErrorKind.InvalidRequest, "auth.bad_body", "The body must be {\"signature\": string, \"challenge\": string}.");
        if (body is null || !CanonicalJson.TryParse(body, out var node, out _) || node is not JsonObject obj || obj.Count != 2)
        {
            return false;
        }

        if (obj["challenge"] is JsonValue c && c.TryGetValue(out string? challengeText)
            && obj["signature"] is JsonValue s && s.TryGetValue(out string? signatureText))
        {
            challenge = challengeText;
            signature = signatureText;
            return true;
        }

        return false;
    }
}
