using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Links;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary>Which link-record write a proof authorises (§9.3, §16 item 11): its statement, scope resource and nonce purpose.</summary>
public enum LinkRecordAction { Publish, Unpublish }

/// <summary><c>PUT</c> body <c>{attestation, proof}</c> / <c>DELETE</c> body <c>{proof}</c> of <c>/lsp/v1/link-records/{lspName}</c>.</summary>
public sealed record LinkRecordRequest(string? LspName, JsonNode? Attestation, WalletProof Proof)
{
    public static bool TryParse(string? lspName, string? json, LinkRecordAction action, [NotNullWhen(true)] out LinkRecordRequest? request,
        [NotNullWhen(false)] out LspError? error)
    {
        request = null;
        error = LspError.Request(action == LinkRecordAction.Publish
            ? "The body must be {\"attestation\": object, \"proof\": {\"message\", \"signature\"}}."
            : "The body must be {\"proof\": {\"message\", \"signature\"}}.");
        if (json is null || !CanonicalJson.TryParse(json, out var node, out _) || node is not JsonObject body
            || !WalletProof.TryFromJson(body["proof"], out var proof, out _)
            || body.Count != (action == LinkRecordAction.Publish ? 2 : 1)
            || (action == LinkRecordAction.Publish && body["attestation"] is null))
        {
            return false;
        }

        error = null;
        request = new LinkRecordRequest(lspName, body["attestation"], proof);
        return true;
    }
}

/// <summary>
/// Publishes and removes the <c>network.dm3.link</c> record of an LSP name (§9.3 with §16 items 6, 11, 14c). The proof is
/// an LSP-wallet EIP-4361 message in our strict form (registered domain, URI prefix, chain id, expiry ≤ 600 s, signer =
/// A_L of the name). A publish also verifies the attestation under §9.2 at write time against the main profile's
/// currently resolved profile — for now only names hosted here (the Names table); others get 422 with a clear detail.
/// The server nonce (<c>publish-link</c> / <c>unpublish-link</c>) is consumed after every other check.
/// </summary>
public sealed class LinkRecordsHandler(AppCatalog apps, NameStore names, NonceService nonces, RateLimiter limiter, TimeProvider time,
    ILogger<LinkRecordsHandler> logger, IForeignProfiles? foreign = null)
{
    public const string UnpublishScope = "unpublish-link";

    public static string UnpublishStatement(string appParentName) => $"Remove the link record of this dm3 app profile for {appParentName}.";

    /// <summary>PUT: 200 with the stored record's expiry (unix seconds).</summary>
    public async Task<LspResult<long>> PublishAsync(LinkRecordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = Target(request.LspName);
        if (!target.IsOk)
        {
            return target.Error!;
        }

        var (app, lspAddress) = target.Value;
        var now = time.GetUtcNow();
        if (CheckProof(request, LinkRecordAction.Publish, app, lspAddress, now) is { } reason)
        {
            return Reject(reason);
        }

        var lspName = request.LspName!;
        var record = await names.GetAsync(lspName, cancellationToken).ConfigureAwait(false);
        var attestationError = await CheckAttestationAsync(request.Attestation, lspName, record, now, cancellationToken).ConfigureAwait(false);
        if (attestationError is not null)
        {
            return new LspError(LspErrorKind.InvalidAttestation, attestationError);
        }

        LinkAttestation.TryParse(request.Attestation, out var attestation, out _);
        if (await limiter.HitAsync("link:" + lspName, app.LspLimits.LinkRecordWritesPerDayPerLsp, TimeSpan.FromDays(1), cancellationToken).ConfigureAwait(false)
            is { } limited)
        {
            return limited;
        }

        if (await ConsumeAsync(app, LinkRecordAction.Publish, request, cancellationToken).ConfigureAwait(false) is { } nonceError)
        {
            return nonceError;
        }

        var (written, _) = await names.ReplaceAsync(record! with { Link = attestation!.ToRecordValue(), UpdatedAt = now }, record!.ETag ?? "*", cancellationToken)
            .ConfigureAwait(false);
        if (written != NameWriteStatus.Written)
        {
            return new LspError(LspErrorKind.InvalidAttestation, "The LSP's profile changed while the record was written; the attestation no longer matches.");
        }

        LspLog.LinkRecordChanged(logger, lspName, "published");
        return attestation.ExpiresAt;
    }

    /// <summary>DELETE: 204; 404 <c>not_found</c> when there is no record (checked before the nonce is consumed).</summary>
    public async Task<LspResult<bool>> UnpublishAsync(LinkRecordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = Target(request.LspName);
        if (!target.IsOk)
        {
            return target.Error!;
        }

        var (app, lspAddress) = target.Value;
        if (CheckProof(request, LinkRecordAction.Unpublish, app, lspAddress, time.GetUtcNow()) is { } reason)
        {
            return Reject(reason);
        }

        var record = await names.GetAsync(request.LspName!, cancellationToken).ConfigureAwait(false);
        if (record?.Link is null)
        {
            return new LspError(LspErrorKind.NotFound, "The name has no link record.");
        }

        if (await ConsumeAsync(app, LinkRecordAction.Unpublish, request, cancellationToken).ConfigureAwait(false) is { } nonceError)
        {
            return nonceError;
        }

        // The nonce is spent: the removal must land even when a concurrent write moved the ETag (re-read and retry).
        for (var attempt = 0; attempt < 5 && record?.Link is not null; attempt++)
        {
            var (status, _) = await names.ReplaceAsync(record with { Link = null, UpdatedAt = time.GetUtcNow() }, record.ETag ?? "*", cancellationToken).ConfigureAwait(false);
            if (status is NameWriteStatus.Written or NameWriteStatus.Missing)
            {
                break;
            }
            record = await names.GetAsync(request.LspName!, cancellationToken).ConfigureAwait(false);
        }

        LspLog.LinkRecordChanged(logger, request.LspName!, "removed");
        return true;
    }

    private LspResult<(AppDefinition App, byte[] Address)> Target(string? lspName)
    {
        if (!LspNames.TryParseLspName(lspName, out var address, out var parent, out _))
        {
            return LspError.Request("The path must name an LSP: 0x<40 lower-case hex>.addr.<app parent name>.");
        }

        return apps.FindByParent(parent) is { } app ? (app, address) : new LspError(LspErrorKind.UnknownApp, "The LSP name is not under an app served here.");
    }

    /// <summary>The strict proof checks; the reason code when it fails (logged only).</summary>
    internal static string? CheckProof(LinkRecordRequest request, LinkRecordAction action, AppDefinition app, byte[] lspAddress, DateTimeOffset now)
    {
        if (!Dm3Siwe.TryParseStrict(request.Proof.Message, out var message, out var error))
        {
            return error.Code;
        }

        var domain = app.FindDomain(message.Domain);
        if (domain is null)
        {
            return "proof.domain_not_allowed";
        }

        var (statement, scope) = action == LinkRecordAction.Publish
            ? (LinkedProfileTexts.PublishLinkStatement(app.ParentName), LspScopes.PublishLink)
            : (UnpublishStatement(app.ParentName), UnpublishScope);
        string[] resources =
        [
            LinkedProfileTexts.AppResource(app.ParentName),
            LinkedProfileTexts.ScopeResourcePrefix + scope,
            LinkedProfileTexts.LspProfileResourcePrefix + Dm3Urn.EncodeName(request.LspName!),
        ];
        if (message.Statement != statement || !(message.Resources ?? []).SequenceEqual(resources, StringComparer.Ordinal))
        {
            return "proof.form";
        }

        var expectations = LinkedProfileTexts.ProofExpectations(now, domain.Host, domain.UriPrefixes, app.ChainIds.Select(c => (ulong)c).ToArray(), null)
            with { Address = lspAddress };
        var verification = SiweVerifier.Verify(request.Proof.Message, request.Proof.Signature, expectations, SiweMode.Strict);
        return verification.IsValid ? null : verification.Error?.Code ?? "proof.invalid";
    }

    /// <summary>§9.2 at write time; null when valid, else the detail for 422.</summary>
    private async Task<string?> CheckAttestationAsync(JsonNode? node, string lspName, NameRecord? lspRecord, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!LinkAttestation.TryParse(node, out var attestation, out var error))
        {
            return "The attestation is malformed: " + error.Message;
        }

        if (lspRecord is null)
        {
            return "The LSP name has no profile here.";
        }

        if (!attestation.TryToRecordValue(out _, out error))
        {
            return error.Message;
        }

        var main = await names.GetAsync(attestation.MainProfile, cancellationToken).ConfigureAwait(false);
        if (main is null)
        {
            // Not hosted here: resolve it through ENS (the resolver verifies the profile against the name's address).
            var resolved = foreign is null ? null : await foreign.GetAsync(attestation.MainProfile, cancellationToken).ConfigureAwait(false);
            return resolved is null || !Base64Std.TryDecode(resolved.Profile.PublicSigningKey, out var foreignKey, 32)
                ? $"The main profile {attestation.MainProfile} does not resolve to a verified profile."
                : attestation.CheckForReader(lspName, lspRecord.ProfileHash, now, foreignKey)?.Message;
        }

        if (!SignedUserProfile.TryParse(main.ProfileJson, out var mainProfile, out _) || !Hex.TryDecode(main.Address, out var mainAddress)
            || !mainProfile.VerifySignature(mainAddress) || !Base64Std.TryDecode(mainProfile.Profile.PublicSigningKey, out var mainKey, 32))
        {
            return "The main profile does not verify.";
        }

        return attestation.CheckForReader(lspName, lspRecord.ProfileHash, now, mainKey)?.Message;
    }

    private async Task<LspError?> ConsumeAsync(AppDefinition app, LinkRecordAction action, LinkRecordRequest request, CancellationToken cancellationToken)
    {
        Dm3Siwe.TryParseStrict(request.Proof.Message, out var message, out _);
        var purpose = action == LinkRecordAction.Publish ? NoncePurposes.PublishLink : NoncePurposes.UnpublishLink;
        var consumed = await nonces.ConsumeAsync(app.ParentName, purpose, message!.Nonce, cancellationToken).ConfigureAwait(false);
        return consumed == NonceConsumption.Consumed ? null : Reject("nonce." + consumed.ToString().ToLowerInvariant());
    }

    private LspError Reject(string reason)
    {
        LspLog.ProofRejected(logger, "link-records", reason);
        return LspError.Proof;
    }
}

/// <summary>
/// What the gateway serves for <c>network.dm3.link</c> (§9.3): the stored record (written only after the checks of
/// <see cref="LinkRecordsHandler"/>) until its attestation's <c>expiresAt</c> has passed, then nothing (<c>""</c>).
/// </summary>
public static class LiveLinkRecord
{
    public static string? Serve(string? record, DateTimeOffset now) =>
        record is not null && LinkAttestation.TryParseRecordValue(record, out var attestation, out _) && now.ToUnixTimeSeconds() >= attestation.ExpiresAt
            ? null
            : record;
}
