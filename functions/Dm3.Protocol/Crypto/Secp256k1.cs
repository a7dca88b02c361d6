using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using NBitcoin.Secp256k1;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// secp256k1 ECDSA as Ethereum uses it: RFC 6979 deterministic nonces, low-s signatures,
/// 65-byte <c>r ‖ s ‖ v</c> with v ∈ {27, 28}, and public-key recovery (SEC 1 v2 §4.1.6).
/// The curve work is NBitcoin.Secp256k1 (a managed port of libsecp256k1, the library Nethereum.Signer builds on; it
/// also runs in WebAssembly). The strict checks are ours, made before the library sees a signature: r and s in
/// [1, n−1], s ≤ n/2 where recovery demands it, and v ∈ {0, 1, 27, 28}.
/// </summary>
public static class Secp256k1
{
    private static Context Curve => Context.Instance;

    /// <summary>The uncompressed public key <c>0x04 ‖ x ‖ y</c> (65 bytes).</summary>
    /// <exception cref="ArgumentException">The private key is not 32 bytes in [1, n−1].</exception>
    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32)
    {
        using var key = PrivateKey(privateKey32);
        return Uncompressed(key.CreatePubKey());
    }

    /// <summary>True when the key is 32 bytes and its big-endian value lies in [1, n−1].</summary>
    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey32) =>
        privateKey32.Length == 32 && InRange(privateKey32);

    /// <summary>Signs a 32-byte digest: 65 bytes <c>r ‖ s ‖ v</c>, RFC 6979 nonce, low s, v ∈ {27, 28}.</summary>
    public static byte[] SignDigest(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> digest32)
    {
        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }

        using var key = PrivateKey(privateKey32);

        // libsecp256k1 signs with the RFC 6979 nonce and normalises s to the low half, flipping the recovery id.
        if (!key.TrySignRecoverable(digest32, out var signature) || signature is null)
        {
            throw new CryptographicException("secp256k1 signing failed.");
        }

        var result = new byte[65];
        signature.WriteToSpanCompact(result.AsSpan(0, 64), out var recId);
        if (recId > 1)
        {
            // R.x ≥ n (probability ≈ 2^-127): v cannot express the recovery id.
            throw new CryptographicException("The signature's R.x is not below n; v cannot express its recovery id.");
        }

        result[64] = (byte)(27 + recId);
        return result;
    }

    /// <summary>
    /// Turns a raw (r, s) pair from an external signer into an Ethereum signature: s is made low and v is found by
    /// trial recovery against <paramref name="expectedPublicKey65"/>.
    /// </summary>
    /// <exception cref="CryptographicException">No recovery id yields the expected public key.</exception>
    public static byte[] NormalizeSignature(ReadOnlySpan<byte> r32, ReadOnlySpan<byte> s32, ReadOnlySpan<byte> expectedPublicKey65, ReadOnlySpan<byte> digest32)
    {
        if (r32.Length is 0 or > 32 || s32.Length is 0 or > 32)
        {
            throw new ArgumentException("r and s must be at most 32 bytes each.");
        }

        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }

        if (!ECPubKey.TryCreate(expectedPublicKey65, Curve, out _, out var expected) || expected is null)
        {
            throw new ArgumentException("The expected public key is not a valid secp256k1 point.", nameof(expectedPublicKey65));
        }

        Span<byte> rs = stackalloc byte[64];
        rs.Clear();
        r32.CopyTo(rs[(32 - r32.Length)..32]);
        s32.CopyTo(rs[(64 - s32.Length)..]);
        if (!InRange(rs[..32]) || !InRange(rs[32..]))
        {
            throw new CryptographicException("r or s is out of range.");
        }

        LowerS(rs[32..]);
        for (var recId = 0; recId < 2; recId++)
        {
            if (TryRecoverKey(digest32, rs, recId) is { } q && q == expected)
            {
                var result = new byte[65];
                rs.CopyTo(result);
                result[64] = (byte)(27 + recId);
                return result;
            }
        }

        throw new CryptographicException("The signature does not belong to the expected public key.");
    }

    /// <summary>
    /// Recovers the uncompressed public key (65 bytes) from a signature over a 32-byte digest.
    /// Accepts 65 bytes <c>r ‖ s ‖ v</c> with v ∈ {0, 1, 27, 28}, or 64 bytes EIP-2098 <c>r ‖ yParityAndS</c>.
    /// Rejects r or s equal to 0 or ≥ n, high s (s &gt; n/2) and any other v.
    /// </summary>
    public static bool TryRecover(ReadOnlySpan<byte> digest32, ReadOnlySpan<byte> signature, [NotNullWhen(true)] out byte[]? publicKey65, [NotNullWhen(false)] out ProtocolError? error)
    {
        publicKey65 = null;
        if (digest32.Length != 32)
        {
            error = new ProtocolError("secp256k1.bad_digest", "The digest must be 32 bytes.");
            return false;
        }

        Span<byte> rs = stackalloc byte[64];
        int recId;
        if (signature.Length == 65)
        {
            signature[..64].CopyTo(rs);
            if (!TryRecoveryId(signature[64], out recId, out error))
            {
                return false;
            }
        }
        else if (signature.Length == 64)
        {
            signature.CopyTo(rs);
            recId = rs[32] >> 7;
            rs[32] &= 0x7F;
        }
        else
        {
            error = new ProtocolError("secp256k1.bad_length", "A signature must be 65 bytes (r‖s‖v) or 64 bytes (EIP-2098).");
            return false;
        }

        if (!TryCheckScalars(rs, out error))
        {
            return false;
        }

        if (new Scalar(rs[32..]).IsHigh)
        {
            error = new ProtocolError("secp256k1.high_s", "The signature is malleable: s is above n/2.");
            return false;
        }

        if (TryRecoverKey(digest32, rs, recId) is not { } q)
        {
            error = new ProtocolError("secp256k1.unrecoverable", "No public key can be recovered from this signature.");
            return false;
        }

        publicKey65 = Uncompressed(q);
        error = null;
        return true;
    }

    /// <summary>
    /// Canonical 65-byte form (linked-profiles §3.1 rule 5): v 0/1 becomes 27/28; a high s is replaced by n − s and v
    /// flipped; r or s equal to 0 or ≥ n is rejected, as is any other v.
    /// </summary>
    public static bool TryCanonicalize(ReadOnlySpan<byte> signature65, [NotNullWhen(true)] out byte[]? canonical65, [NotNullWhen(false)] out ProtocolError? error)
    {
        canonical65 = null;
        if (signature65.Length != 65)
        {
            error = new ProtocolError("secp256k1.bad_length", "A canonical signature must be 65 bytes (r‖s‖v).");
            return false;
        }

        if (!TryRecoveryId(signature65[64], out var recId, out error))
        {
            return false;
        }

        if (!TryCheckScalars(signature65[..64], out error))
        {
            return false;
        }

        var result = signature65.ToArray();
        if (LowerS(result.AsSpan(32, 32)))
        {
            recId ^= 1;
        }

        result[64] = (byte)(27 + recId);
        canonical65 = result;
        error = null;
        return true;
    }

    /// <summary>The recovery id of a v byte: 27/28 or 0/1 give 0/1; any other v is rejected.</summary>
    private static bool TryRecoveryId(byte v, out int recId, [NotNullWhen(false)] out ProtocolError? error)
    {
        recId = v switch
        {
            27 or 28 => v - 27,
            0 or 1 => v,
            _ => -1,
        };
        if (recId < 0)
        {
            error = new ProtocolError("secp256k1.bad_v", "The recovery byte v must be 27, 28, 0 or 1.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Rejects r or s equal to 0 or ≥ n (r ‖ s, 64 bytes).</summary>
    private static bool TryCheckScalars(ReadOnlySpan<byte> rs, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (!InRange(rs[..32]) || !InRange(rs[32..64]))
        {
            error = new ProtocolError("secp256k1.out_of_range", "r and s must lie in [1, n−1].");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>SEC 1 v2 §4.1.6 by libsecp256k1 (r, s already checked to lie in [1, n−1]); null when recId gives no key.</summary>
    private static ECPubKey? TryRecoverKey(ReadOnlySpan<byte> digest32, ReadOnlySpan<byte> rs, int recId) =>
        SecpRecoverableECDSASignature.TryCreateFromCompact(rs, recId, out var signature)
        && signature is not null
        && ECPubKey.TryRecover(Curve, signature, digest32, out var q)
            ? q
            : null;

    /// <summary>A 32-byte big-endian value in [1, n−1].</summary>
    private static bool InRange(ReadOnlySpan<byte> value32)
    {
        var scalar = new Scalar(value32, out var overflow);
        return overflow == 0 && !scalar.IsZero;
    }

    /// <summary>Replaces a high s (s &gt; n/2) by n − s in place; true when it did.</summary>
    private static bool LowerS(Span<byte> s32)
    {
        var s = new Scalar(s32);
        if (!s.IsHigh)
        {
            return false;
        }

        s.Negate().WriteToSpan(s32);
        return true;
    }

    private static ECPrivKey PrivateKey(ReadOnlySpan<byte> privateKey32)
    {
        if (privateKey32.Length != 32 || !ECPrivKey.TryCreate(privateKey32, Curve, out var key) || key is null)
        {
            throw new ArgumentException("A secp256k1 private key must be 32 bytes in [1, n−1].", nameof(privateKey32));
        }

        return key;
    }

    private static byte[] Uncompressed(ECPubKey key)
    {
        var encoded = new byte[65];
        key.WriteToSpan(compressed: false, encoded, out _);
        return encoded;
    }
}
