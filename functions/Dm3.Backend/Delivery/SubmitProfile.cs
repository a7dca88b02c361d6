using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Delivery;

/// <summary>The token and whether the account was created by this call.</summary>
public sealed record SubmitProfileResult(string Token, bool Created);

/// <summary>
/// <c>POST /profile/{name}</c> (submitUserProfile, wire formats §10.2 with the project rule): the SignedUserProfile must
/// be signed by the name's owner address AND equal, in canonical form, the profile the name currently resolves to, so
/// an old signed profile can never roll an account back. Creates the account with default settings if absent and then
/// returns a 1 h token for that name (decisions §9). The profile is public, so posting it proves nothing once the
/// account exists: a re-submission never resets settings and issues no token (401 <c>profile.account_exists</c>; dm3
/// clients then fall back to the challenge flow, wire formats §10.1).
/// <c>GET /profile/{name}</c>: the current profile of a name that has an account here.
/// </summary>
public sealed class ProfileSubmission(DeliveryDirectory directory, Authenticator authenticator, TimeProvider time)
{
    public async Task<DeliveryResult<SubmitProfileResult>> SubmitAsync(string? rawName, string? body, CancellationToken cancellationToken)
    {
        if (!SignedUserProfile.TryParse(body, out var submitted, out var schemaError))
        {
            return DeliveryError.From(DeliveryErrorKind.InvalidRequest, schemaError);
        }

        var resolved = await directory.ResolveAsync(rawName, cancellationToken).ConfigureAwait(false);
        if (!resolved.IsOk)
        {
            return resolved.Error!;
        }

        var name = resolved.Value!;
        if (!submitted.TryVerifySignature(name.Address, out var signatureError))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, signatureError.Code,
                "The profile is not signed by the address the name resolves to: " + signatureError.Message);
        }

        if (!string.Equals(submitted.ToCanonicalJson(), name.ProfileJson, StringComparison.Ordinal))
        {
            return new DeliveryError(DeliveryErrorKind.Conflict, "profile.not_current",
                "The profile is not the one the name currently resolves to; register it with the resolver first.");
        }

        if (!await directory.EnsureAccountAsync(name, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            return new DeliveryError(DeliveryErrorKind.Unauthorized, "profile.account_exists",
                "The name already has an account; sign in with the challenge flow (GET/POST /auth/{name}).");
        }

        return new SubmitProfileResult(authenticator.IssueToken(name.Name), Created: true);
    }

    /// <summary>The profile (canonical JSON) of a resolving name that has an account here.</summary>
    public async Task<DeliveryResult<string>> GetAsync(string? rawName, CancellationToken cancellationToken)
    {
        var resolved = await directory.ResolveAsync(rawName, cancellationToken).ConfigureAwait(false);
        if (!resolved.IsOk)
        {
            return resolved.Error!;
        }

        var account = await directory.GetAccountAsync(resolved.Value!.Address, cancellationToken).ConfigureAwait(false);
        return account is null
            ? new DeliveryError(DeliveryErrorKind.UnknownReceiver, "account.not_found", "The name has no account at this delivery service.")
            : resolved.Value.ProfileJson;
    }

    /// <summary><c>dm3_getProfileExtension</c>: the account's profile extension as canonical JSON text.</summary>
    public async Task<DeliveryResult<string>> GetExtensionAsync(string? rawName, CancellationToken cancellationToken)
    {
        var hosted = directory.Classify(rawName);
        if (!hosted.IsOk)
        {
            return hosted.Error!;
        }

        var account = await directory.GetAccountAsync(hosted.Value!.Address!, cancellationToken).ConfigureAwait(false);
        return account is null
            ? new DeliveryError(DeliveryErrorKind.UnknownReceiver, "account.not_found", "unknown user")
            : DeliveryDirectory.CanonicalExtension(account.ProfileExtensionJson);
    }
}
