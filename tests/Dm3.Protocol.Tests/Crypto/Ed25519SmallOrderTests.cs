using System.Numerics;
using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Crypto;

/// <summary>
/// Ed25519 verification must refuse small-order public keys A and small-order R exactly like libsodium's
/// <c>crypto_sign_verify_detached</c>. The list of refused encodings is not trusted as recalled: it is compared with the
/// torsion subgroup derived here from the curve equation with plain <see cref="BigInteger"/> arithmetic.
/// </summary>
public abstract class Ed25519SmallOrderTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493");
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);
    private static readonly (BigInteger X, BigInteger Y) Identity = (0, 1);

    // ------------------------------------------------------------ the list itself

    [Fact]
    public void The_small_order_list_equals_the_torsion_points_derived_from_the_curve_plus_their_non_canonical_forms()
    {
        var torsion = TorsionSubgroup();

        // The group has order 8·L with L an odd prime, so its points of order dividing 8 form one subgroup of order 8.
        Assert.Equal(8, torsion.Distinct().Count());
        Assert.All(torsion, t => Assert.Equal(Identity, Multiply(t, 8)));
        Assert.Equal(4, torsion.Count(t => Multiply(t, 4) != Identity)); // four points of exact order 8

        // Masking bit 255 (the sign of x) leaves y; y + p is a second (non-canonical) encoding when it fits in 255 bits.
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, y) in torsion)
        {
            expected.Add(Hex.Encode(LittleEndian(y)));
            if (y + P < BigInteger.Pow(2, 255))
            {
                expected.Add(Hex.Encode(LittleEndian(y + P)));
            }
        }

        var actual = Ed25519.SmallOrderEncodings.Select(e => Hex.Encode(e)).ToList();
        Assert.Equal(actual.Count, actual.Distinct().Count());
        Assert.Equal(7, expected.Count); // y = 0, 1, p − 1, y₈, p − y₈, and the non-canonical p, p + 1
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.All(Ed25519.SmallOrderEncodings, e => Assert.Equal(0, e[31] & 0x80));
    }

    [Fact]
    public void Every_canonical_entry_decodes_to_points_of_order_dividing_8_with_either_sign()
    {
        foreach (var encoding in Ed25519.SmallOrderEncodings)
        {
            var y = FromLittleEndian(encoding);
            if (y >= P)
            {
                // Only the documented non-canonical forms of y = 0 and y = 1 may appear.
                Assert.Contains(y - P, new BigInteger[] { 0, 1 });
                continue;
            }

            Assert.True(TryRecoverX(y, out var x), "not on the curve: " + Hex.Encode(encoding));
            Assert.Equal(Identity, Multiply((x, y), 8));
            Assert.Equal(Identity, Multiply((Mod(-x), y), 8));
        }
    }

    [Fact]
    public void Has_small_order_ignores_the_sign_bit_and_nothing_else()
    {
        foreach (var encoding in Ed25519.SmallOrderEncodings)
        {
            Assert.True(Ed25519.HasSmallOrder(encoding));
            Assert.True(Ed25519.HasSmallOrder(WithSignBit(encoding)));
            for (var bit = 0; bit < 255; bit++)
            {
                var flipped = (byte[])encoding.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                var isAnotherEntry = Ed25519.SmallOrderEncodings.Any(e => e.AsSpan().SequenceEqual(flipped));
                Assert.Equal(isAnotherEntry, Ed25519.HasSmallOrder(flipped));
                Assert.Equal(isAnotherEntry, Ed25519.HasSmallOrder(WithSignBit(flipped)));
            }
        }

        var (_, honest) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
        Assert.False(Ed25519.HasSmallOrder(honest));
    }

    // ------------------------------------------------------------ verification

    [Fact]
    public void A_signature_under_a_small_order_public_key_is_rejected_although_the_cofactorless_equation_holds()
    {
        // R = [r]B is an honest point (an ordinary public key whose scalar we know); for a small-order A, [h]A is the
        // identity whenever 8 divides h, so (R, S = r) satisfies [S]B = R + [h]A: a forgery valid for every such message.
        var seed = RandomNumberGenerator.GetBytes(32);
        var (_, r) = Ed25519.KeyPairFromSeed(seed);
        var s = LittleEndian(SecretScalar(seed) % L);
        var signature = r.Concat(s).ToArray();
        var forgedForCanonicalKey = 0;
        foreach (var encoding in Ed25519.SmallOrderEncodings)
        {
            foreach (var a in new[] { encoding, WithSignBit(encoding) })
            {
                var message = MessageWithChallengeDivisibleBy8(r, a);
                if (IsCanonicalTorsionPoint(a))
                {
                    Assert.True(SatisfiesCofactorlessEquation(a, message, signature), "the forgery should satisfy the bare equation for A = " + Hex.Encode(a));
                    forgedForCanonicalKey++;
                }

                Assert.False(Ed25519.Verify(a, message, signature), "accepted small-order A = " + Hex.Encode(a));
                Assert.False(Ed25519.VerifyWith(Provider, a, message, signature));
            }
        }

        Assert.Equal(8, forgedForCanonicalKey); // all eight torsion points, each under its canonical encoding
    }

    [Fact]
    public void The_identity_as_r_is_rejected_although_the_cofactorless_equation_holds()
    {
        // With R = identity, S = h·a (mod L) satisfies [S]B = R + [h]A for an honest key A = [a]B.
        var seed = RandomNumberGenerator.GetBytes(32);
        var (_, a) = Ed25519.KeyPairFromSeed(seed);
        var identity = Ed25519.SmallOrderEncodings.Single(e => FromLittleEndian(e) == 1);
        var message = "small-order R"u8.ToArray();
        var h = Challenge(identity, a, message);
        var signature = identity.Concat(LittleEndian(h * SecretScalar(seed) % L)).ToArray();

        Assert.True(SatisfiesCofactorlessEquation(a, message, signature));
        Assert.False(Ed25519.Verify(a, message, signature));
        Assert.False(Ed25519.VerifyWith(Provider, a, message, signature));
    }

    [Fact]
    public void Every_small_order_r_is_rejected_with_any_s()
    {
        var (privateKey, a) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
        var message = "dm3"u8.ToArray();
        var honest = Ed25519.Sign(privateKey, message);
        Assert.True(Ed25519.Verify(a, message, honest));
        foreach (var encoding in Ed25519.SmallOrderEncodings)
        {
            foreach (var r in new[] { encoding, WithSignBit(encoding) })
            {
                foreach (var s in new[] { new byte[32], honest[32..], LittleEndian(L - 1) })
                {
                    Assert.False(Ed25519.Verify(a, message, r.Concat(s).ToArray()), "accepted small-order R = " + Hex.Encode(r));
                }
            }
        }
    }

    [Fact]
    public void The_textbook_forgery_a_equals_r_equals_identity_and_s_zero_is_rejected()
    {
        var identity = Hex.Decode("0100000000000000000000000000000000000000000000000000000000000000");
        var signature = identity.Concat(new byte[32]).ToArray();
        Assert.True(SatisfiesCofactorlessEquation(identity, "anything"u8, signature));
        Assert.False(Ed25519.Verify(identity, "anything"u8, signature));
        Assert.False(Ed25519.VerifyText(identity, "anything", Convert.ToBase64String(signature)));
    }

    [Fact]
    public void Honest_signatures_still_verify()
    {
        for (var i = 0; i < 50; i++)
        {
            var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
            var message = RandomNumberGenerator.GetBytes(i);
            Assert.True(Ed25519.Verify(publicKey, message, Ed25519.Sign(privateKey, message)));
        }
    }

    // ------------------------------------------------------------ curve arithmetic (affine, a = −1)

    /// <summary>The eight points of order dividing 8, as the multiples of a point of order 8 found from [L]·P.</summary>
    private static List<(BigInteger X, BigInteger Y)> TorsionSubgroup()
    {
        for (var y = new BigInteger(2); y < 1000; y++)
        {
            if (!TryRecoverX(y, out var x))
            {
                continue;
            }

            var point = (x, y);
            Assert.Equal(Identity, Multiply(point, 8 * L)); // the group order is 8·L
            var q = Multiply(point, L);
            if (Multiply(q, 4) == Identity)
            {
                continue; // this point's torsion component has order < 8; try the next one
            }

            return Enumerable.Range(0, 8).Select(k => Multiply(q, k)).ToList();
        }

        throw new InvalidOperationException("no point with an order-8 torsion component among small y");
    }

    private static bool TryRecoverX(BigInteger y, out BigInteger x)
    {
        var u = Mod(y * y - 1);
        var v = Mod(D * y * y + 1);
        var x2 = Mod(u * Inverse(v));
        x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x) != x2)
        {
            x = Mod(x * SqrtMinusOne);
        }

        return Mod(x * x) == x2;
    }

    private static (BigInteger X, BigInteger Y) Add((BigInteger X, BigInteger Y) a, (BigInteger X, BigInteger Y) b)
    {
        var t = Mod(D * a.X * b.X * a.Y * b.Y);
        var x = Mod((a.X * b.Y + a.Y * b.X) * Inverse(Mod(1 + t)));
        var y = Mod((a.Y * b.Y + a.X * b.X) * Inverse(Mod(1 - t)));
        return (x, y);
    }

    private static (BigInteger X, BigInteger Y) Multiply((BigInteger X, BigInteger Y) point, BigInteger k)
    {
        var result = Identity;
        var addend = point;
        while (k > 0)
        {
            if (!k.IsEven)
            {
                result = Add(result, addend);
            }

            addend = Add(addend, addend);
            k >>= 1;
        }

        return result;
    }

    /// <summary>
    /// The bare RFC 8032 equation [S]B = R + [h]A on decoded points, with none of the encoding or small-order rules:
    /// an oracle independent of every provider (libsodium and BouncyCastle 2.x both refuse a small-order A themselves).
    /// </summary>
    internal static bool SatisfiesCofactorlessEquation(byte[] a, ReadOnlySpan<byte> message, byte[] signature)
    {
        if (!TryDecodePoint(a, out var aPoint) || !TryDecodePoint(signature[..32], out var rPoint))
        {
            return false;
        }

        var h = Challenge(signature[..32], a, message.ToArray());
        return Multiply(BasePoint(), FromLittleEndian(signature.AsSpan(32))) == Add(rPoint, Multiply(aPoint, h));
    }

    private static (BigInteger X, BigInteger Y) BasePoint()
    {
        var y = Mod(4 * Inverse(5));
        Assert.True(TryRecoverX(y, out var x));
        return (x.IsEven ? x : P - x, y);
    }

    private static bool TryDecodePoint(byte[] encoding, out (BigInteger X, BigInteger Y) point)
    {
        point = Identity;
        var y = FromLittleEndian(Masked(encoding));
        if (y >= P || !TryRecoverX(y, out var x))
        {
            return false;
        }

        var negative = (encoding[31] & 0x80) != 0;
        point = (x.IsZero || x.IsEven != negative ? x : P - x, y);
        return true;
    }

    private static bool IsCanonicalTorsionPoint(byte[] encoding)
    {
        var y = FromLittleEndian(Masked(encoding));
        if (y >= P || !TryRecoverX(y, out var x))
        {
            return false;
        }

        var signBit = (encoding[31] & 0x80) != 0;
        return !(x.IsZero && signBit); // (0, ±1) with the sign bit set is the "negative zero" form
    }

    // ------------------------------------------------------------ RFC 8032 pieces

    private static BigInteger SecretScalar(byte[] seed)
    {
        var h = SHA512.HashData(seed);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        return FromLittleEndian(h[..32]);
    }

    private static BigInteger Challenge(byte[] r, byte[] a, byte[] message) =>
        FromLittleEndian(SHA512.HashData(r.Concat(a).Concat(message).ToArray())) % L;

    private static byte[] MessageWithChallengeDivisibleBy8(byte[] r, byte[] a)
    {
        for (var counter = 0; ; counter++)
        {
            var message = System.Text.Encoding.UTF8.GetBytes("forgery " + counter);
            if (Challenge(r, a, message) % 8 == 0)
            {
                return message;
            }
        }
    }

    private static BigInteger Mod(BigInteger value)
    {
        var m = value % P;
        return m.Sign < 0 ? m + P : m;
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(Mod(value), P - 2, P);

    private static byte[] LittleEndian(BigInteger value)
    {
        var bytes = new byte[32];
        Assert.True(value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false));
        return bytes;
    }

    private static BigInteger FromLittleEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    private static byte[] Masked(byte[] encoding)
    {
        var copy = (byte[])encoding.Clone();
        copy[31] &= 0x7f;
        return copy;
    }

    private static byte[] WithSignBit(byte[] encoding)
    {
        var copy = (byte[])encoding.Clone();
        copy[31] |= 0x80;
        return copy;
    }
}

public sealed class Ed25519SmallOrderTestsOnBouncyCastle() : Ed25519SmallOrderTests(BouncyCastleCryptoProvider.Instance);

public sealed class Ed25519SmallOrderTestsOnLibsodium() : Ed25519SmallOrderTests(SodiumCryptoProvider.Instance);
