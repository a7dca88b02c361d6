using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Siwe;

/// <summary>What a signature checker is asked: does <paramref name="SignatureHex"/> sign <paramref name="MessageText"/> for <paramref name="Address20"/> on <paramref name="ChainId"/>?</summary>
public sealed record SignatureCheckRequest(string MessageText, byte[] Address20, string SignatureHex, ulong ChainId);

/// <summary>
/// Checks a wallet signature over an EIP-191 text. The default is <see cref="EcrecoverSignatureChecker"/>;
/// an ERC-1271 / ERC-6492 checker (which needs a chain RPC, decisions §21) can be plugged in later.
/// </summary>
public interface ISignatureChecker
{
    /// <summary>Null when the signature is valid; otherwise the reason as an error value.</summary>
    ValueTask<ProtocolError?> CheckAsync(SignatureCheckRequest request, CancellationToken cancellationToken);
}

/// <summary>EIP-191 <c>personal_sign</c> + ecrecover (EOAs). Contract-wallet signatures are reported, not guessed.</summary>
public sealed class EcrecoverSignatureChecker : ISignatureChecker
{
    public static EcrecoverSignatureChecker Instance { get; } = new();

    private static readonly byte[] Erc6492Suffix = Convert.FromHexString("6492649264926492649264926492649264926492649264926492649264926492");

    public ValueTask<ProtocolError?> CheckAsync(SignatureCheckRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Check(request));

    /// <summary>The synchronous check.</summary>
    public static ProtocolError? Check(SignatureCheckRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Hex.TryDecode(request.SignatureHex, out var sig))
        {
            return new ProtocolError("siwe.signature_malformed", "The signature is not 0x-prefixed hex.");
        }

        if (sig.Length > 32 && sig.AsSpan(sig.Length - 32).SequenceEqual(Erc6492Suffix))
        {
            return new ProtocolError("siwe.signature_contract_unsupported",
                "ERC-6492 signatures need a chain RPC, which is not configured (decisions §21).");
        }

        if (sig.Length is not (65 or 64))
        {
            return new ProtocolError("siwe.signature_malformed", $"An ECDSA signature has 65 (or 64) bytes, not {sig.Length}.");
        }

        var digest = Ethereum.PersonalMessageDigest(request.MessageText);
        if (!Secp256k1.TryRecover(digest, sig, out var publicKey, out var recoverError))
        {
            return new ProtocolError("siwe.signature_malformed", "The signature cannot be recovered: " + recoverError.Message);
        }

        var signer = Ethereum.AddressFromPublicKey(publicKey);
        return signer.AsSpan().SequenceEqual(request.Address20)
            ? null
            : new ProtocolError("siwe.signature_mismatch", "The signature was not made by the message's address.");
    }
}

/// <summary>
/// What a verifier expects of an EIP-4361 message. Unset members are not checked; <see cref="Now"/> is always
/// used for Expiration Time (when present) and Not Before (when present).
/// </summary>
public sealed record SiweExpectations
{
    /// <summary>The verification time.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The domain (RFC 3986 authority) the message must name, compared byte for byte.</summary>
    public string? Domain { get; init; }

    /// <summary>When the message has a <c>scheme://</c>, it must equal this (default https).</summary>
    public string Scheme { get; init; } = "https";

    /// <summary>Allowed URI prefixes; the URI must start with one of them at a boundary (end, or '/', '?', '#' next, or the prefix ends with '/').</summary>
    public IReadOnlyList<string>? UriPrefixes { get; init; }

    /// <summary>Allowed chain ids.</summary>
    public IReadOnlyCollection<ulong>? ChainIds { get; init; }

    /// <summary>The nonce the message must carry (ordinal comparison).</summary>
    public string? Nonce { get; init; }

    /// <summary>The address the message must name (20 bytes).</summary>
    public byte[]? Address { get; init; }

    /// <summary>Expiration Time must be present (always for dm3 authorisations).</summary>
    public bool RequireExpirationTime { get; init; }

    /// <summary>Expiration Time − Issued At must be at most this.</summary>
    public TimeSpan? MaxValidity { get; init; }

    /// <summary>Issued At must be ≥ Now − this.</summary>
    public TimeSpan? MaxIssuedAtAge { get; init; }

    /// <summary>Issued At must be ≤ Now + this.</summary>
    public TimeSpan? MaxIssuedAtSkew { get; init; }
}

/// <summary>Outcome of a verification: the parsed message when valid, otherwise the first failed check.</summary>
public sealed record SiweVerification(SiweMessage? Message, ProtocolError? Error)
{
    public bool IsValid => Error is null && Message is not null;
}

/// <summary>
/// Verifies EIP-4361 texts: parse in the requested <see cref="SiweMode"/>, compare fields with the expectations,
/// check the time window (unparseable dates fail closed), then check the signature over the original text.
/// </summary>
public static class SiweVerifier
{
    /// <summary>Verifies with ecrecover (EOAs).</summary>
    public static SiweVerification Verify(string? text, string? signatureHex, SiweExpectations expected, SiweMode mode)
    {
        var (message, error) = CheckMessage(text, expected, mode);
        if (error is not null)
        {
            return new SiweVerification(null, error);
        }

        error = EcrecoverSignatureChecker.Check(new SignatureCheckRequest(text!, message!.AddressBytes, signatureHex ?? "", message.ChainIdValue));
        return new SiweVerification(error is null ? message : null, error);
    }

    /// <summary>Verifies with a pluggable signature checker (ERC-1271/6492 later).</summary>
    public static async ValueTask<SiweVerification> VerifyAsync(string? text, string? signatureHex, SiweExpectations expected, SiweMode mode,
        ISignatureChecker checker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checker);
        var (message, error) = CheckMessage(text, expected, mode);
        if (error is not null)
        {
            return new SiweVerification(null, error);
        }

        error = await checker.CheckAsync(new SignatureCheckRequest(text!, message!.AddressBytes, signatureHex ?? "", message.ChainIdValue), cancellationToken)
            .ConfigureAwait(false);
        return new SiweVerification(error is null ? message : null, error);
    }

    /// <summary>All checks except the signature.</summary>
    public static (SiweMessage? Message, ProtocolError? Error) CheckMessage(string? text, SiweExpectations expected, SiweMode mode)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (!Dm3Siwe.TryParse(text, mode, out var m, out var error))
        {
            return (null, error);
        }

        error = CheckFields(m, expected) ?? CheckTimes(m, expected);
        return error is null ? (m, null) : (null, error);
    }

    /// <summary>Domain, scheme, URI prefix, chain id, nonce and address.</summary>
    public static ProtocolError? CheckFields(SiweMessage m, SiweExpectations expected)
    {
        if (expected.Domain is not null && !string.Equals(m.Domain, expected.Domain, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.domain_mismatch", "The message is for another domain.");
        }

        if (m.Scheme is not null && !string.Equals(m.Scheme, expected.Scheme, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.scheme_mismatch", "The message is for another scheme.");
        }

        if (expected.UriPrefixes is not null && !expected.UriPrefixes.Any(p => UriHasPrefix(m.Uri, p)))
        {
            return new ProtocolError("siwe.uri_not_allowed", "The URI does not start with an allowed prefix.");
        }

        if (expected.ChainIds is not null && !expected.ChainIds.Contains(m.ChainIdValue))
        {
            return new ProtocolError("siwe.chain_id_not_allowed", "The chain id is not allowed.");
        }

        if (expected.Nonce is not null && !string.Equals(m.Nonce, expected.Nonce, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.nonce_mismatch", "The nonce is not the expected one.");
        }

        if (expected.Address is not null && !m.AddressBytes.AsSpan().SequenceEqual(expected.Address))
        {
            return new ProtocolError("siwe.address_mismatch", "The message names another address.");
        }

        return null;
    }

    /// <summary>The time window; every timestamp is re-parsed and an unparseable one fails closed.</summary>
    public static ProtocolError? CheckTimes(SiweMessage m, SiweExpectations expected)
    {
        if (!Rfc3339.TryParse(m.IssuedAt, out var issuedAt, out var e))
        {
            return new ProtocolError("siwe.issued_at_invalid", "Issued At: " + e.Message);
        }

        DateTimeOffset? expiration = null;
        if (m.ExpirationTime is not null)
        {
            if (!Rfc3339.TryParse(m.ExpirationTime, out var exp, out e))
            {
                return new ProtocolError("siwe.expiration_time_invalid", "Expiration Time: " + e.Message);
            }

            expiration = exp;
        }

        DateTimeOffset? notBefore = null;
        if (m.NotBefore is not null)
        {
            if (!Rfc3339.TryParse(m.NotBefore, out var nb, out e))
            {
                return new ProtocolError("siwe.not_before_invalid", "Not Before: " + e.Message);
            }

            notBefore = nb;
        }

        if (expiration is null && expected.RequireExpirationTime)
        {
            return new ProtocolError("siwe.expiration_required", "The message has no Expiration Time.");
        }

        if (expiration is not null && expected.Now >= expiration.Value)
        {
            return new ProtocolError("siwe.expired", "The message has expired.");
        }

        if (notBefore is not null && expected.Now < notBefore.Value)
        {
            return new ProtocolError("siwe.not_yet_valid", "The message is not valid yet (Not Before).");
        }

        if (expected.MaxIssuedAtSkew is { } skew && issuedAt > expected.Now + skew)
        {
            return new ProtocolError("siwe.issued_in_future", "Issued At lies in the future.");
        }

        if (expected.MaxIssuedAtAge is { } age && issuedAt < expected.Now - age)
        {
            return new ProtocolError("siwe.issued_too_long_ago", "Issued At is too old.");
        }

        if (expected.MaxValidity is { } validity && expiration is not null && expiration.Value - issuedAt > validity)
        {
            return new ProtocolError("siwe.validity_too_long", "Expiration Time is too far after Issued At.");
        }

        // Only with a validity bound: plain EIP-4361 allows any order (a spruceid positive case has Expiration ≤ Issued At).
        if (expiration is not null && expiration.Value <= issuedAt && expected.MaxValidity is not null)
        {
            return new ProtocolError("siwe.validity_empty", "Expiration Time is not after Issued At.");
        }

        return null;
    }

    /// <summary>
    /// Prefix match that cannot be fooled by a longer host or path segment: <c>https://a.example</c> allows
    /// <c>https://a.example/x</c> but not <c>https://a.example.evil/</c>.
    /// </summary>
    public static bool UriHasPrefix(string uri, string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || !uri.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (uri.Length == prefix.Length || prefix[^1] is '/' or '?' or '#')
        {
            return true;
        }

        return uri[prefix.Length] is '/' or '?' or '#';
    }
}
