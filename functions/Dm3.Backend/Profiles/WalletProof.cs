using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Nonces;
using Dm3.Protocol;
using Dm3.Protocol.Siwe;

namespace Dm3.Backend.Profiles;

/// <summary>A wallet proof <c>{message, signature}</c>: an EIP-4361 text and its EIP-191 signature (decisions §13).</summary>
public sealed record WalletProof(string? Message, string? Signature)
{
    /// <summary>Reads <c>{"message": string, "signature": string}</c>; other members are rejected.</summary>
    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out WalletProof? proof, [NotNullWhen(false)] out ProtocolError? error)
    {
        proof = null;
        error = null;
        if (node is not JsonObject obj)
        {
            error = new ProtocolError("proof.not_object", "'proof' must be an object {message, signature}.");
            return false;
        }

        foreach (var (key, _) in obj)
        {
            if (key is not ("message" or "signature"))
            {
                error = new ProtocolError("proof.unknown_member", "'proof' may contain only 'message' and 'signature'.");
                return false;
            }
        }

        if (!TryString(obj["message"], out var message) || !TryString(obj["signature"], out var signature))
        {
            error = new ProtocolError("proof.missing", "'proof.message' and 'proof.signature' must be strings.");
            return false;
        }

        proof = new WalletProof(message, signature);
        return true;
    }

    internal static bool TryString(JsonNode? node, out string value)
    {
        value = "";
        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            value = s;
            return true;
        }

        return false;
    }
}

/// <summary>What a wallet proof must authorise.</summary>
/// <param name="Purpose">The nonce purpose (<see cref="NoncePurposes"/>).</param>
/// <param name="Resource">The resource that must be listed, e.g. <c>urn:dm3:profile-hash:0x…</c>.</param>
/// <param name="Scope">The scope the message's domain must have been given for the app.</param>
public sealed record ProofRequirement(string Purpose, string Resource, string Scope);

/// <summary>
/// Verifies wallet proofs for resolver writes, failing closed (wire formats §14.2, linked-profiles §2 and §5.3):
/// strict EIP-4361 layout; domain registered for the app with the required scope; URI under an allowed prefix; chain
/// id of the app; the expected wallet; Expiration Time present, in the future and ≤ 600 s after Issued At; Issued At
/// within [now − 600 s, now + 60 s]; the required resource; a valid signature; and finally the server nonce,
/// consumed atomically (so a failed check never burns a nonce, and a nonce works once).
/// </summary>
public sealed class WalletProofVerifier
{
    private static readonly TimeSpan MaxValidity = TimeSpan.FromSeconds(600);
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(600);
    private static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(60);

    private readonly NonceService _nonces;
    private readonly TimeProvider _time;

    public WalletProofVerifier(NonceService nonces, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(nonces);
        ArgumentNullException.ThrowIfNull(time);
        _nonces = nonces;
        _time = time;
    }

    /// <summary>Null when the proof is accepted (and its nonce consumed); otherwise why not.</summary>
    public async Task<ProtocolError?> VerifyAsync(WalletProof proof, AppDefinition app, byte[] wallet20, ProofRequirement requirement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(requirement);
        if (!Dm3Siwe.TryParseStrict(proof.Message, out var parsed, out var error))
        {
            return error;
        }

        var domain = app.FindDomain(parsed.Domain);
        if (domain is null)
        {
            return new ProtocolError("proof.domain_not_allowed", $"The message's domain is not registered for {app.ParentName}.");
        }

        if (!domain.Scopes.Contains(requirement.Scope))
        {
            return new ProtocolError("proof.scope_not_allowed", $"The message's domain may not obtain the scope '{requirement.Scope}'.");
        }

        var expectations = new SiweExpectations
        {
            Now = _time.GetUtcNow(),
            Domain = domain.Host,
            UriPrefixes = domain.UriPrefixes,
            ChainIds = app.ChainIds.Select(c => (ulong)c).ToArray(),
            Address = wallet20,
            RequireExpirationTime = true,
            MaxValidity = MaxValidity,
            MaxIssuedAtAge = MaxAge,
            MaxIssuedAtSkew = MaxSkew,
        };
        var verification = SiweVerifier.Verify(proof.Message, proof.Signature, expectations, SiweMode.Strict);
        if (!verification.IsValid)
        {
            return verification.Error ?? new ProtocolError("proof.invalid", "The proof was not accepted.");
        }

        var resources = verification.Message!.Resources ?? [];
        if (resources.Count(r => string.Equals(r, requirement.Resource, StringComparison.Ordinal)) != 1)
        {
            return new ProtocolError("proof.resource_missing", $"The message must list the resource {requirement.Resource} exactly once.");
        }

        var consumption = await _nonces.ConsumeAsync(app.ParentName, requirement.Purpose, verification.Message.Nonce, cancellationToken).ConfigureAwait(false);
        return consumption switch
        {
            NonceConsumption.Consumed => null,
            NonceConsumption.Expired => new ProtocolError("proof.nonce_expired", "The nonce has expired; request a new one."),
            NonceConsumption.WrongApp => new ProtocolError("proof.nonce_wrong_app", "The nonce was issued for another app."),
            _ => new ProtocolError("proof.nonce_unknown", $"The nonce was not issued for '{requirement.Purpose}' or has already been used."),
        };
    }
}
