using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Delivery;

/// <summary>A token for the submitted profile's name. Never produced since decisions §35 (kept as the route's result shape).</summary>
public sealed record SubmitProfileResult(string Token, bool Created);

/// <summary>
/// <c>POST /profile/{name}</c> (submitUserProfile, wire formats §10.2 with the project rules): the SignedUserProfile must
/// be signed by the name's owner address AND equal, in canonical form, the profile the name currently resolves to.
/// A claimed name's signed profile is public, so posting it proves nothing and never yields a token (decisions §35):
/// the account exists since the claim (<see cref="OpenAccountHandler"/>; opened here too for a name claimed before
/// accounts were opened at claim time, never reset), and the answer is always 401 <c>profile.account_exists</c> —
/// dm3 clients then fall back to the challenge flow (wire formats §10.1), which needs the profile's Ed25519 key.
/// <c>GET /profile/{name}</c>: the current profile of a name that has an account here.
/// </summary>
public sealed class ProfileSubmission(DeliveryDirectory directory, OpenAccountHandler accounts)
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

        await accounts.HandleAsync(new OpenAccountRequest(name.Address, name.Profile.Dm3Hash), cancellationToken).ConfigureAwait(false);
        return new DeliveryError(DeliveryErrorKind.Unauthorized, "profile.account_exists",
            "The name has an account since it was claimed and its profile is public; sign in with the challenge flow (GET/POST /auth/{name}).");
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
