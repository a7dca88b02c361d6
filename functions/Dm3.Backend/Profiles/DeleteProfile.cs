using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Protocol;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Profiles;

/// <summary><c>DELETE /resolver/profile/{name}</c> with body <c>{message, signature}</c> (decisions §13).</summary>
public sealed record DeleteProfileRequest(string? Name, WalletProof? Proof)
{
    /// <summary>Builds the request from the route name and the JSON body (the proof itself).</summary>
    public static DeleteProfileRequest FromBody(string? name, string? json)
    {
        WalletProof? proof = null;
        if (json is not null && CanonicalJson.TryParse(json, out var node, out _))
        {
            WalletProof.TryFromJson(node, out proof, out _);
        }

        return new DeleteProfileRequest(name, proof);
    }
}

public sealed record DeleteProfileResult(ResolverStatus Status, ProtocolError? Error);

/// <summary>
/// Deletes an address name given a wallet proof by the name's address (nonce purpose <c>profile-delete</c>, resource
/// <c>urn:dm3:profile-delete:&lt;name&gt;</c>, domain scope <c>delete</c>); guarded by the stored ETag. The row is
/// replaced by a tombstone (no profile, same Version and last profile hash) rather than removed, so re-creating the
/// name needs a fresh wallet proof (<see cref="ClaimAddressHandler"/>) and an old public signed profile cannot be
/// replayed to roll the name back.
/// </summary>
public sealed class DeleteProfileHandler(AppCatalog apps, NameStore names, WalletProofVerifier proofs, TimeProvider time)
{
    public const string RequiredScope = "delete";

    public static string DeleteResource(string name) => "urn:dm3:profile-delete:" + name;

    public async Task<DeleteProfileResult> HandleAsync(DeleteProfileRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!apps.TryClassify(request.Name, out var hosted, out var error))
        {
            return new DeleteProfileResult(ResolverStatus.Invalid, error);
        }

        if (hosted.Kind != HostedNameKind.Address)
        {
            return new DeleteProfileResult(ResolverStatus.Invalid, new ProtocolError("delete.not_address_name", "Only address names can be deleted."));
        }

        if (request.Proof is null)
        {
            return new DeleteProfileResult(ResolverStatus.Invalid, new ProtocolError("delete.proof_missing", "The body must be a wallet proof {message, signature}."));
        }

        var record = await names.GetAsync(hosted.Name, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new DeleteProfileResult(ResolverStatus.NotFound, new ProtocolError("delete.not_found", "The name is not claimed."));
        }

        var wallet = Convert.FromHexString(hosted.Address.AsSpan(2));
        var requirement = new ProofRequirement(NoncePurposes.ProfileDelete, DeleteResource(hosted.Name), RequiredScope);
        var proofError = await proofs.VerifyAsync(request.Proof, hosted.App, wallet, requirement, cancellationToken).ConfigureAwait(false);
        if (proofError is not null)
        {
            return new DeleteProfileResult(ResolverStatus.Unauthorized, proofError);
        }

        var (deleted, _) = await names.ReplaceAsync(record.ToTombstone(time.GetUtcNow()), record.ETag ?? "*", cancellationToken).ConfigureAwait(false);
        return deleted switch
        {
            NameWriteStatus.Written => new DeleteProfileResult(ResolverStatus.Deleted, null),
            NameWriteStatus.Missing => new DeleteProfileResult(ResolverStatus.NotFound, new ProtocolError("delete.not_found", "The name is not claimed.")),
            _ => new DeleteProfileResult(ResolverStatus.Conflict, new ProtocolError("delete.concurrent_change", "The name changed meanwhile; fetch a new nonce and try again.")),
        };
    }
}
