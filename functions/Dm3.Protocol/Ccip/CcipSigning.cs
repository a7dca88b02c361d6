using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Ccip;

/// <summary>
/// The signed gateway answer (W§12.5): the message hash, the digest each family verifies, and the response
/// <c>abi.encode(bytes result, uint64 expires, bytes signature)</c>. Signing itself stays outside (an
/// <c>IDigestSigner</c> in the backend); <see cref="SignResponseWithKey"/> is a local-key convenience for tests/bench.
/// </summary>
public static class CcipSigning
{
    /// <summary>Length of an emitted signature <c>r ‖ s ‖ v</c> (decisions §17: never the 64-byte form).</summary>
    public const int SignatureLength = 65;

    private static readonly AbiType[] ResponseTypes = [AbiType.Bytes, AbiType.Uint64, AbiType.Bytes];

    /// <summary>The packed bytes that are hashed: <c>0x1900 ‖ target(20) ‖ uint64 expires BE ‖ keccak256(request) ‖ keccak256(result)</c>.</summary>
    public static byte[] SignedBytes(ReadOnlySpan<byte> target20, ulong expires, ReadOnlySpan<byte> request, ReadOnlySpan<byte> result)
    {
        if (target20.Length != 20)
        {
            throw new ArgumentException("The target is a 20-byte address.", nameof(target20));
        }

        var packed = new byte[2 + 20 + 8 + 32 + 32];
        packed[0] = 0x19;
        packed[1] = 0x00;
        target20.CopyTo(packed.AsSpan(2));
        BinaryPrimitives.WriteUInt64BigEndian(packed.AsSpan(22), expires);
        Hashes.Keccak256(request).CopyTo(packed.AsSpan(30));
        Hashes.Keccak256(result).CopyTo(packed.AsSpan(62));
        return packed;
    }

    /// <summary><c>messageHash = keccak256(SignedBytes(…))</c>.</summary>
    public static byte[] MessageHash(ReadOnlySpan<byte> target20, ulong expires, ReadOnlySpan<byte> request, ReadOnlySpan<byte> result) =>
        Hashes.Keccak256(SignedBytes(target20, expires, request, result));

    /// <summary>The dm3 family digest: <c>keccak256("\x19Ethereum Signed Message:\n32" ‖ messageHash)</c>.</summary>
    public static byte[] Dm3PrefixedDigest(ReadOnlySpan<byte> messageHash32)
    {
        if (messageHash32.Length != 32)
        {
            throw new ArgumentException("The message hash has 32 bytes.", nameof(messageHash32));
        }

        ReadOnlySpan<byte> prefix = "\u0019Ethereum Signed Message:\n32"u8; // \u0019, not \x19: \x would swallow the E
        var buffer = new byte[prefix.Length + 32];
        prefix.CopyTo(buffer);
        messageHash32.CopyTo(buffer.AsSpan(prefix.Length));
        return Hashes.Keccak256(buffer);
    }

    /// <summary>The 32-byte digest to sign for a family: the message hash itself (ENS) or its EIP-191 form (dm3).</summary>
    public static byte[] DigestToSign(ResolverFamily family, ReadOnlySpan<byte> messageHash32) => family switch
    {
        ResolverFamily.EnsOffchainResolver => messageHash32.Length == 32 ? messageHash32.ToArray() : throw new ArgumentException("The message hash has 32 bytes.", nameof(messageHash32)),
        ResolverFamily.Dm3Resolver => Dm3PrefixedDigest(messageHash32),
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    /// <summary>The 32-byte digest to sign for a request/result pair.</summary>
    public static byte[] DigestToSign(ResolverFamily family, ReadOnlySpan<byte> target20, ulong expires, ReadOnlySpan<byte> request, ReadOnlySpan<byte> result) =>
        DigestToSign(family, MessageHash(target20, expires, request, result));

    /// <summary>The expiry (Unix seconds) of a signature made at <paramref name="now"/> with lifetime <paramref name="ttl"/>.</summary>
    public static ulong ExpiresAt(DateTimeOffset now, TimeSpan ttl)
    {
        var seconds = now.ToUnixTimeSeconds() + (long)Math.Floor(ttl.TotalSeconds);
        return seconds < 0 ? throw new ArgumentOutOfRangeException(nameof(ttl)) : (ulong)seconds;
    }

    /// <summary>
    /// <c>abi.encode(bytes result, uint64 expires, bytes signature)</c>. The signature must be 65 bytes with v ∈ {27, 28}
    /// (anything else is a signer bug and throws <see cref="ArgumentException"/>).
    /// </summary>
    public static byte[] EncodeResponseData(ReadOnlySpan<byte> result, ulong expires, ReadOnlySpan<byte> signature65)
    {
        if (signature65.Length != SignatureLength || signature65[64] is not (27 or 28))
        {
            throw new ArgumentException("A gateway signature is 65 bytes r‖s‖v with v 27 or 28.", nameof(signature65));
        }

        return AbiCodec.Encode(new AbiValue.Bytes(result), AbiValue.Uint.U64(expires), new AbiValue.Bytes(signature65));
    }

    /// <summary>Assembles the response from a signature produced elsewhere (e.g. by the Key Vault signer).</summary>
    public static CcipResponse AssembleResponse(ReadOnlySpan<byte> result, ulong expires, ReadOnlySpan<byte> signature65)
    {
        var data = EncodeResponseData(result, expires, signature65);
        return new CcipResponse(data, CcipHttp.DataBody(data));
    }

    /// <summary>Signs with a local private key (tests, bench, standalone dev). Production signs the digest through the signer port.</summary>
    public static CcipResponse SignResponseWithKey(
        ReadOnlySpan<byte> privateKey32,
        ResolverFamily family,
        ReadOnlySpan<byte> target20,
        ulong expires,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> result)
    {
        var digest = DigestToSign(family, target20, expires, request, result);
        var signature = Secp256k1.SignDigest(privateKey32, digest);
        return AssembleResponse(result, expires, signature);
    }

    /// <summary>Decodes response data back into its three fields (strict ABI). Never throws.</summary>
    public static bool TryDecodeResponseData(ReadOnlySpan<byte> data, [NotNullWhen(true)] out CcipResponseData? response, [NotNullWhen(false)] out ProtocolError? error)
    {
        response = null;
        if (!AbiCodec.TryDecode(data, ResponseTypes, out var values, out error))
        {
            return false;
        }

        response = new CcipResponseData(
            ((AbiValue.Bytes)values[0]).Value,
            (ulong)((AbiValue.Uint)values[1]).Value,
            ((AbiValue.Bytes)values[2]).Value);
        return true;
    }

    /// <summary>
    /// Recovers the signer address of a response the way the family's verifier does (65- or 64-byte signatures).
    /// Never throws.
    /// </summary>
    public static bool TryRecoverSigner(
        ResolverFamily family,
        ReadOnlySpan<byte> target20,
        ReadOnlySpan<byte> request,
        CcipResponseData response,
        [NotNullWhen(true)] out byte[]? signer20,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(response);
        signer20 = null;
        if (target20.Length != 20 || family is not (ResolverFamily.EnsOffchainResolver or ResolverFamily.Dm3Resolver))
        {
            error = new ProtocolError("ccip.bad_target", "The target must be a 20-byte address and the family known.");
            return false;
        }

        var digest = DigestToSign(family, target20, response.Expires, request, response.Result);
        if (!Secp256k1.TryRecover(digest, response.Signature, out var publicKey, out error))
        {
            return false;
        }

        signer20 = Ethereum.AddressFromPublicKey(publicKey);
        return true;
    }

    /// <summary>EIP-2098 compact form (r ‖ yParity·2^255 + s). Only for checking vectors: we never emit it (decisions §17).</summary>
    internal static byte[] ToCompact64(ReadOnlySpan<byte> signature65)
    {
        if (signature65.Length != 65 || signature65[64] is not (27 or 28))
        {
            throw new ArgumentException("Expected r‖s‖v with v 27 or 28.", nameof(signature65));
        }

        var compact = signature65[..64].ToArray();
        if (signature65[64] == 28)
        {
            compact[32] |= 0x80;
        }

        return compact;
    }
}

/// <summary>The three fields of a gateway response.</summary>
public sealed record CcipResponseData(byte[] Result, ulong Expires, byte[] Signature)
{
    public bool Equals(CcipResponseData? other) =>
        other is not null && Expires == other.Expires && Result.AsSpan().SequenceEqual(other.Result) && Signature.AsSpan().SequenceEqual(other.Signature);

    public override int GetHashCode() => HashCode.Combine(Expires, Result.Length);
}

/// <summary>An assembled gateway answer: the ABI response data and the HTTP body <c>{"data":"0x…"}</c>.</summary>
public sealed record CcipResponse(byte[] Data, string BodyJson)
{
    public bool Equals(CcipResponse? other) =>
        other is not null && Data.AsSpan().SequenceEqual(other.Data) && string.Equals(BodyJson, other.BodyJson, StringComparison.Ordinal);

    public override int GetHashCode() => BodyJson.GetHashCode(StringComparison.Ordinal);
}
