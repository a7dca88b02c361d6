using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// secp256k1 ECDSA as Ethereum uses it: RFC 6979 deterministic nonces, low-s signatures,
/// 65-byte <c>r ‖ s ‖ v</c> with v ∈ {27, 28}, and public-key recovery (SEC 1 v2 §4.1.6).
/// The curve arithmetic is BouncyCastle's dedicated secp256k1 (GLV, fixed-point comb); the libsecp256k1 port
/// NBitcoin.Secp256k1 gives the same results but signs and recovers about half as fast here (`bench primitives`).
/// </summary>
public static class Secp256k1
{
    // CustomNamedCurves: the same curve as SecNamedCurves("secp256k1") but with dedicated field arithmetic and the
    // GLV endomorphism, several times faster.
    private static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");
    private static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);
    private static readonly BigInteger N = Curve.N;
    private static readonly BigInteger HalfN = Curve.N.ShiftRight(1);
    private static readonly BigInteger P = Curve.Curve.Field.Characteristic;
    private static readonly FixedPointCombMultiplier BaseMultiplier = new();

    /// <summary>The uncompressed public key <c>0x04 ‖ x ‖ y</c> (65 bytes).</summary>
    /// <exception cref="ArgumentException">The private key is not 32 bytes in [1, n−1].</exception>
    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey32)
    {
        var d = PrivateScalar(privateKey32);
        return BaseMultiplier.Multiply(Domain.G, d).Normalize().GetEncoded(false);
    }

    /// <summary>True when the key is 32 bytes and its big-endian value lies in [1, n−1].</summary>
    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey32)
    {
        if (privateKey32.Length != 32)
        {
            return false;
        }

        var d = new BigInteger(1, privateKey32.ToArray());
        return d.SignValue > 0 && d.CompareTo(N) < 0;
    }

    /// <summary>Signs a 32-byte digest: 65 bytes <c>r ‖ s ‖ v</c>, RFC 6979 nonce, low s, v ∈ {27, 28}.</summary>
    public static byte[] SignDigest(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> digest32)
    {
        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }

        var d = PrivateScalar(privateKey32);
        var digest = digest32.ToArray();
        var e = new BigInteger(1, digest);

        // ECDSA with the RFC 6979 nonce, done by hand (as BouncyCastle's ECDsaSigner does) so the y parity of R is
        // known directly and no recovery pass is needed to find v.
        var kCalculator = new HMacDsaKCalculator(new Sha256Digest());
        kCalculator.Init(N, d, digest);
        while (true)
        {
            var k = kCalculator.NextK();
            var rPoint = BaseMultiplier.Multiply(Domain.G, k).Normalize();
            var x = rPoint.AffineXCoord.ToBigInteger();
            var r = x.Mod(N);
            if (r.SignValue == 0)
            {
                continue;
            }

            // Constant-time modular inversion (safegcd); BigInteger.ModInverse is several times slower and not constant-time.
            var s = Org.BouncyCastle.Utilities.BigIntegers.ModOddInverse(N, k).Multiply(e.Add(d.Multiply(r))).Mod(N);
            if (s.SignValue == 0)
            {
                continue;
            }

            if (x.CompareTo(N) >= 0)
            {
                // R.x ≥ n (probability ≈ 2^-127): v cannot express the recovery id; RFC 6979 gives the next k.
                continue;
            }

            var recId = rPoint.AffineYCoord.TestBitZero() ? 1 : 0;
            if (s.CompareTo(HalfN) > 0)
            {
                s = N.Subtract(s);
                recId ^= 1;
            }

            return Compose(r, s, (byte)(27 + recId));
        }
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

        ECPoint expected;
        try
        {
            expected = Domain.Curve.DecodePoint(expectedPublicKey65.ToArray()).Normalize();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("The expected public key is not a valid secp256k1 point.", nameof(expectedPublicKey65), e);
        }

        var r = new BigInteger(1, r32.ToArray());
        var s = new BigInteger(1, s32.ToArray());
        if (!InRange(r) || !InRange(s))
        {
            throw new CryptographicException("r or s is out of range.");
        }

        if (s.CompareTo(HalfN) > 0)
        {
            s = N.Subtract(s);
        }

        var digest = digest32.ToArray();
        for (var recId = 0; recId < 2; recId++)
        {
            var q = Recover(digest, r, s, recId);
            if (q is not null && q.Equals(expected))
            {
                return Compose(r, s, (byte)(27 + recId));
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

        BigInteger r;
        BigInteger s;
        int recId;
        if (signature.Length == 65)
        {
            r = new BigInteger(1, signature[..32].ToArray());
            s = new BigInteger(1, signature[32..64].ToArray());
            if (!TryRecoveryId(signature[64], out recId, out error))
            {
                return false;
            }
        }
        else if (signature.Length == 64)
        {
            r = new BigInteger(1, signature[..32].ToArray());
            var yParityAndS = signature[32..64].ToArray();
            recId = yParityAndS[0] >> 7;
            yParityAndS[0] &= 0x7F;
            s = new BigInteger(1, yParityAndS);
        }
        else
        {
            error = new ProtocolError("secp256k1.bad_length", "A signature must be 65 bytes (r‖s‖v) or 64 bytes (EIP-2098).");
            return false;
        }

        if (!TryCheckScalars(r, s, out error))
        {
            return false;
        }

        if (s.CompareTo(HalfN) > 0)
        {
            error = new ProtocolError("secp256k1.high_s", "The signature is malleable: s is above n/2.");
            return false;
        }

        var q = Recover(digest32.ToArray(), r, s, recId);
        if (q is null)
        {
            error = new ProtocolError("secp256k1.unrecoverable", "No public key can be recovered from this signature.");
            return false;
        }

        publicKey65 = q.GetEncoded(false);
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

        var r = new BigInteger(1, signature65[..32].ToArray());
        var s = new BigInteger(1, signature65[32..64].ToArray());
        if (!TryRecoveryId(signature65[64], out var recId, out error))
        {
            return false;
        }

        if (!TryCheckScalars(r, s, out error))
        {
            return false;
        }

        if (s.CompareTo(HalfN) > 0)
        {
            s = N.Subtract(s);
            recId ^= 1;
        }

        canonical65 = Compose(r, s, (byte)(27 + recId));
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

    /// <summary>Rejects r or s equal to 0 or ≥ n.</summary>
    private static bool TryCheckScalars(BigInteger r, BigInteger s, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (!InRange(r) || !InRange(s))
        {
            error = new ProtocolError("secp256k1.out_of_range", "r and s must lie in [1, n−1].");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>SEC 1 v2 §4.1.6: Q = r⁻¹(sR − eG), or null when recId gives no valid R.</summary>
    private static ECPoint? Recover(byte[] digest, BigInteger r, BigInteger s, int recId)
    {
        var x = recId >= 2 ? r.Add(N) : r;
        if (x.CompareTo(P) >= 0)
        {
            return null;
        }

        var encoded = new byte[33];
        encoded[0] = (byte)(0x02 | (recId & 1));
        Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(32, x).CopyTo(encoded, 1);
        ECPoint rPoint;
        try
        {
            rPoint = Domain.Curve.DecodePoint(encoded);
        }
        catch (ArgumentException)
        {
            return null; // x is not the abscissa of a curve point
        }

        // The cofactor of secp256k1 is 1, so every point on the curve has order n: no n·R check is needed.
        var e = new BigInteger(1, digest);
        var rInv = Org.BouncyCastle.Utilities.BigIntegers.ModOddInverseVar(N, r); // r is public
        var u1 = N.Subtract(e).Multiply(rInv).Mod(N);
        var u2 = s.Multiply(rInv).Mod(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, rPoint, u2).Normalize();
        return q.IsInfinity ? null : q;
    }

    private static bool InRange(BigInteger value) => value.SignValue > 0 && value.CompareTo(N) < 0;

    private static BigInteger PrivateScalar(ReadOnlySpan<byte> privateKey32)
    {
        if (!IsValidPrivateKey(privateKey32))
        {
            throw new ArgumentException("A secp256k1 private key must be 32 bytes in [1, n−1].", nameof(privateKey32));
        }

        return new BigInteger(1, privateKey32.ToArray());
    }

    private static byte[] Compose(BigInteger r, BigInteger s, byte v)
    {
        var result = new byte[65];
        Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(32, r).CopyTo(result, 0);
        Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(32, s).CopyTo(result, 32);
        result[64] = v;
        return result;
    }
}
