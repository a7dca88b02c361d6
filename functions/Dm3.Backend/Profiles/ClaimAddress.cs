using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Delivery;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Protocol;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Json;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Profiles;

/// <summary>
/// <c>POST /resolver/profile/address</c> body <c>{signedUserProfile, address, subdomain, proof?}</c> (wire formats §11,
/// decisions §13). <paramref name="Subdomain"/> is <c>addr.&lt;P&gt;</c> of a configured app.
/// </summary>
public sealed record ClaimAddressRequest(SignedUserProfile Profile, string Address, string Subdomain, WalletProof? Proof)
{
    /// <summary>Parses the JSON body (duplicate keys rejected, since a hash is computed over part of it).</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out ClaimAddressRequest? request, [NotNullWhen(false)] out ProtocolError? error)
    {
        request = null;
        if (json is null)
        {
            error = new ProtocolError("claim.body_missing", "The request body is missing.");
            return false;
        }

        if (!CanonicalJson.TryParse(json, out var node, out error))
        {
            return false;
        }

        if (node is not JsonObject body)
        {
            error = new ProtocolError("claim.not_object", "The body must be a JSON object.");
            return false;
        }

        if (!WalletProof.TryString(body["address"], out var address) || !WalletProof.TryString(body["subdomain"], out var subdomain))
        {
            error = new ProtocolError("claim.missing_member", "'address' and 'subdomain' must be strings.");
            return false;
        }

        if (!SignedUserProfile.TryFromJson(body["signedUserProfile"], out var profile, out error))
        {
            return false;
        }

        WalletProof? proof = null;
        if (body["proof"] is { } proofNode)
        {
            if (!WalletProof.TryFromJson(proofNode, out proof, out var proofError))
            {
                error = proofError;
                return false;
            }
        }

        request = new ClaimAddressRequest(profile, address, subdomain, proof);
        return true;
    }
}

/// <summary>Outcome of a claim: the name and the stored profile hash on success, else why not.</summary>
public sealed record ClaimAddressResult(ResolverStatus Status, string? Name, string? ProfileHash, ProtocolError? Error)
{
    internal static ClaimAddressResult Fail(ResolverStatus status, string code, string message) => new(status, null, null, new ProtocolError(code, message));

    internal static ClaimAddressResult Fail(ResolverStatus status, ProtocolError error) => new(status, null, null, error);
}

/// <summary>
/// Claims <c>&lt;address lower-case&gt;.addr.&lt;P&gt;</c> for a SignedUserProfile signed by that address.
/// Insert-if-absent; the same profile again is a no-op; a different profile replaces the stored one only with a
/// wallet proof (nonce purpose <c>profile-update</c>, resource <c>urn:dm3:profile-hash:&lt;new hash&gt;</c>, domain
/// scope <c>register</c>) and only if the name is unchanged since it was read (If-Match). A deleted name (tombstone)
/// is re-claimed under the same proof rule and If-Match. Success only after a durable write.
/// Claim = sign-up (decisions §35): every successful claim opens the address's delivery-service account
/// (<see cref="OpenAccountHandler"/>, insert-if-absent) before it answers, so the account exists from the moment the
/// name is given out and no one can sign up in the owner's place with the public profile.
/// </summary>
public sealed class ClaimAddressHandler
{
    public const string RequiredScope = "register";

    private readonly AppCatalog _apps;
    private readonly NameStore _names;
    private readonly WalletProofVerifier _proofs;
    private readonly TimeProvider _time;
    private readonly OpenAccountHandler _accounts;

    public ClaimAddressHandler(AppCatalog apps, NameStore names, WalletProofVerifier proofs, TimeProvider time, OpenAccountHandler accounts)
    {
        _apps = apps;
        _names = names;
        _proofs = proofs;
        _time = time;
        _accounts = accounts;
    }

    /// <summary>The resource a replacement proof must list for the profile with this hash.</summary>
    public static string ProfileHashResource(string profileHash) => "urn:dm3:profile-hash:" + profileHash;

    public async Task<ClaimAddressResult> HandleAsync(ClaimAddressRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await ClaimAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Error is null && Ethereum.TryParseAddress(request.Address, out var address, out _))
        {
            // The name is ours to give out and now names this address: its account exists from here on (idempotent, so a
            // retried claim after a failure here opens it).
            await _accounts.HandleAsync(new OpenAccountRequest(Ethereum.ToLowerAddress(address), request.Profile.Dm3Hash), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<ClaimAddressResult> ClaimAsync(ClaimAddressRequest request, CancellationToken cancellationToken)
    {
        var app = _apps.FindByAddressParent(request.Subdomain);
        if (app is null)
        {
            return ClaimAddressResult.Fail(ResolverStatus.Invalid, "claim.subdomain_not_served",
                "'subdomain' must be addr.<P> for an app parent name P served by this deployment.");
        }

        if (!Ethereum.TryParseAddress(request.Address, out var address, out var error))
        {
            return ClaimAddressResult.Fail(ResolverStatus.Invalid, error);
        }

        if (!request.Profile.Profile.TryDecodeKeys(out _, out _, out error))
        {
            return ClaimAddressResult.Fail(ResolverStatus.Invalid, error);
        }

        if (!request.Profile.VerifySignature(address))
        {
            return ClaimAddressResult.Fail(ResolverStatus.Invalid, "claim.bad_signature", "The profile is not signed by 'address'.");
        }

        var lower = Ethereum.ToLowerAddress(address);
        var name = app.AddressName(lower);
        var json = request.Profile.ToCanonicalJson();
        var hash = Hashes.Sha256HexOfUtf8(json);
        var record = new NameRecord(name, app.ParentName, lower, json, hash, 1, _time.GetUtcNow(), null, null);

        var (inserted, _) = await _names.InsertAsync(record, cancellationToken).ConfigureAwait(false);
        if (inserted == NameWriteStatus.Written)
        {
            return new ClaimAddressResult(ResolverStatus.Created, name, hash, null);
        }

        var existing = await _names.GetIncludingTombstoneAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            // Deleted between our insert and read: one more insert attempt, then report the race.
            (inserted, _) = await _names.InsertAsync(record, cancellationToken).ConfigureAwait(false);
            return inserted == NameWriteStatus.Written
                ? new ClaimAddressResult(ResolverStatus.Created, name, hash, null)
                : ClaimAddressResult.Fail(ResolverStatus.Conflict, "claim.concurrent_change", "The name changed while it was being claimed; try again.");
        }

        // A tombstone (deleted name) is never "the same profile again": re-creating it needs a fresh proof, else any old
        // public signed profile of the address could be replayed to undo the deletion.
        if (!existing.Deleted && string.Equals(existing.ProfileHash, hash, StringComparison.Ordinal))
        {
            return new ClaimAddressResult(ResolverStatus.Ok, name, hash, null);
        }

        if (request.Proof is null)
        {
            return existing.Deleted
                ? ClaimAddressResult.Fail(ResolverStatus.Conflict, "claim.name_deleted",
                    "The name was deleted; claiming it again needs a wallet proof (see POST /resolver/nonces, purpose profile-update).")
                : ClaimAddressResult.Fail(ResolverStatus.Conflict, "claim.name_taken",
                    "The name holds another profile; replacing it needs a wallet proof (see POST /resolver/nonces, purpose profile-update).");
        }

        var requirement = new ProofRequirement(NoncePurposes.ProfileUpdate, ProfileHashResource(hash), RequiredScope);
        var proofError = await _proofs.VerifyAsync(request.Proof, app, address, requirement, cancellationToken).ConfigureAwait(false);
        if (proofError is not null)
        {
            return ClaimAddressResult.Fail(ResolverStatus.Unauthorized, proofError);
        }

        // A new profile drops the link record: its attestation names the old profile hash (linked-profiles §9.3).
        var replacement = record with { Version = existing.Version + 1, Link = null };
        var (replaced, _) = await _names.ReplaceAsync(replacement, existing.ETag ?? "*", cancellationToken).ConfigureAwait(false);
        return replaced == NameWriteStatus.Written
            ? new ClaimAddressResult(existing.Deleted ? ResolverStatus.Created : ResolverStatus.Ok, name, hash, null)
            : ClaimAddressResult.Fail(ResolverStatus.Conflict, "claim.concurrent_change", "The name changed while it was being replaced; try again.");
    }
}
