using System.Numerics;
using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Crypto;

public sealed class Secp256k1Tests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    // The "hello" personalSign vector: a real low-s wallet signature with v = 28 or 27.
    private static (byte[] Digest, byte[] Signature, byte[] PublicKey) Known()
    {
        var v = SharedData.Vector("personalSign", "hello");
        var publicKey = Secp256k1.PublicKeyFromPrivate(v.HexBytes("inputs.walletPrivateKeyHex"));
        return (v.HexBytes("expected.eip191DigestHex"), v.HexBytes("expected.signatureHex"), publicKey);
    }

    private static byte[] ToBytes32(BigInteger value)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[32];
        bytes.CopyTo(result, 32 - bytes.Length);
        return result;
    }

    private static BigInteger ToInteger(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    private static byte[] HighS(byte[] signature)
    {
        var high = (byte[])signature.Clone();
        ToBytes32(N - ToInteger(signature.AsSpan(32, 32))).CopyTo(high, 32);
        high[64] = (byte)(signature[64] == 27 ? 28 : 27);
        return high;
    }

    [Fact]
    public void Private_key_one_gives_the_generator_point()
    {
        var key = new byte[32];
        key[31] = 1;
        Assert.Equal(
            "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
            Hex.Encode(Secp256k1.PublicKeyFromPrivate(key)));
    }

    [Fact]
    public void Private_keys_outside_one_to_n_minus_one_are_invalid()
    {
        Assert.False(Secp256k1.IsValidPrivateKey(new byte[32]));
        Assert.False(Secp256k1.IsValidPrivateKey(ToBytes32(N)));
        Assert.False(Secp256k1.IsValidPrivateKey(new byte[31]));
        Assert.True(Secp256k1.IsValidPrivateKey(ToBytes32(N - 1)));
        Assert.Throws<ArgumentException>(() => Secp256k1.PublicKeyFromPrivate(new byte[32]));
        Assert.Throws<ArgumentException>(() => Secp256k1.SignDigest(ToBytes32(N), new byte[32]));
        Assert.Throws<ArgumentException>(() => Secp256k1.SignDigest(ToBytes32(1), new byte[31]));
    }

    [SharedDataFact]
    public void Recover_rejects_a_high_s_signature()
    {
        var (digest, signature, _) = Known();
        Assert.False(Secp256k1.TryRecover(digest, HighS(signature), out var publicKey, out var error));
        Assert.Null(publicKey);
        Assert.Equal("secp256k1.high_s", error!.Code);
    }

    [SharedDataFact]
    public void Recover_rejects_zero_r_and_out_of_range_values()
    {
        var (digest, signature, _) = Known();
        var zeroR = (byte[])signature.Clone();
        Array.Clear(zeroR, 0, 32);
        Assert.False(Secp256k1.TryRecover(digest, zeroR, out _, out var error));
        Assert.Equal("secp256k1.out_of_range", error!.Code);

        var zeroS = (byte[])signature.Clone();
        Array.Clear(zeroS, 32, 32);
        Assert.False(Secp256k1.TryRecover(digest, zeroS, out _, out error));
        Assert.Equal("secp256k1.out_of_range", error!.Code);

        var rIsN = (byte[])signature.Clone();
        ToBytes32(N).CopyTo(rIsN, 0);
        Assert.False(Secp256k1.TryRecover(digest, rIsN, out _, out error));
        Assert.Equal("secp256k1.out_of_range", error!.Code);
    }

    [SharedDataTheory]
    [InlineData(2)]
    [InlineData(26)]
    [InlineData(29)]
    [InlineData(35)]
    [InlineData(255)]
    public void Recover_rejects_a_bad_v(byte v)
    {
        var (digest, signature, _) = Known();
        var bad = (byte[])signature.Clone();
        bad[64] = v;
        Assert.False(Secp256k1.TryRecover(digest, bad, out _, out var error));
        Assert.Equal("secp256k1.bad_v", error!.Code);
        Assert.False(Secp256k1.TryCanonicalize(bad, out _, out error));
        Assert.Equal("secp256k1.bad_v", error!.Code);
    }

    [SharedDataFact]
    public void Recover_rejects_bad_lengths_of_signature_and_digest()
    {
        var (digest, signature, _) = Known();
        Assert.False(Secp256k1.TryRecover(digest, signature.AsSpan(0, 63), out _, out var error));
        Assert.Equal("secp256k1.bad_length", error!.Code);
        Assert.False(Secp256k1.TryRecover(digest.AsSpan(0, 31), signature, out _, out error));
        Assert.Equal("secp256k1.bad_digest", error!.Code);
    }

    [SharedDataFact]
    public void Recover_accepts_v_zero_one_and_the_eip2098_compact_form()
    {
        var (digest, signature, publicKey) = Known();
        var zeroOne = (byte[])signature.Clone();
        zeroOne[64] -= 27;
        Assert.True(Secp256k1.TryRecover(digest, zeroOne, out var fromZeroOne, out _));
        Assert.Equal(publicKey, fromZeroOne);

        var compact = signature[..64];
        if (signature[64] == 28)
        {
            compact[32] |= 0x80;
        }

        Assert.True(Secp256k1.TryRecover(digest, compact, out var fromCompact, out _));
        Assert.Equal(publicKey, fromCompact);

        var wrongParity = (byte[])compact.Clone();
        wrongParity[32] ^= 0x80;
        Assert.True(!Secp256k1.TryRecover(digest, wrongParity, out var other, out _) || !other.AsSpan().SequenceEqual(publicKey));
    }

    [SharedDataFact]
    public void Canonicalize_maps_v_zero_one_and_high_s_to_the_same_bytes()
    {
        var (_, signature, _) = Known();
        var zeroOne = (byte[])signature.Clone();
        zeroOne[64] -= 27;

        Assert.True(Secp256k1.TryCanonicalize(signature, out var same, out _));
        Assert.Equal(signature, same);
        Assert.True(Secp256k1.TryCanonicalize(zeroOne, out var fromZeroOne, out _));
        Assert.Equal(signature, fromZeroOne);
        Assert.True(Secp256k1.TryCanonicalize(HighS(signature), out var fromHighS, out _));
        Assert.Equal(signature, fromHighS);
        var highSZeroOne = HighS(signature);
        highSZeroOne[64] -= 27;
        Assert.True(Secp256k1.TryCanonicalize(highSZeroOne, out var fromBoth, out _));
        Assert.Equal(signature, fromBoth);
    }

    [SharedDataFact]
    public void Canonicalize_rejects_zero_or_too_large_r_and_s_and_wrong_lengths()
    {
        var (_, signature, _) = Known();
        var zeroR = (byte[])signature.Clone();
        Array.Clear(zeroR, 0, 32);
        Assert.False(Secp256k1.TryCanonicalize(zeroR, out _, out var error));
        Assert.Equal("secp256k1.out_of_range", error!.Code);

        var sIsN = (byte[])signature.Clone();
        ToBytes32(N).CopyTo(sIsN, 32);
        Assert.False(Secp256k1.TryCanonicalize(sIsN, out _, out error));
        Assert.Equal("secp256k1.out_of_range", error!.Code);

        Assert.False(Secp256k1.TryCanonicalize(signature.AsSpan(0, 64), out _, out error));
        Assert.Equal("secp256k1.bad_length", error!.Code);
    }

    [SharedDataFact]
    public void Normalize_turns_a_raw_high_s_pair_into_the_wallet_signature()
    {
        var (digest, signature, publicKey) = Known();
        var high = HighS(signature);
        var normalized = Secp256k1.NormalizeSignature(high.AsSpan(0, 32), high.AsSpan(32, 32), publicKey, digest);
        Assert.Equal(signature, normalized);
        Assert.Equal(signature, Secp256k1.NormalizeSignature(signature.AsSpan(0, 32), signature.AsSpan(32, 32), publicKey, digest));
    }

    [SharedDataFact]
    public void Normalize_throws_when_no_v_matches_the_expected_key()
    {
        var (digest, signature, _) = Known();
        var otherKey = Secp256k1.PublicKeyFromPrivate(ToBytes32(7));
        Assert.Throws<CryptographicException>(() => Secp256k1.NormalizeSignature(signature.AsSpan(0, 32), signature.AsSpan(32, 32), otherKey, digest));
    }

    [Fact]
    public void Signing_and_recovering_round_trips_for_random_keys_and_digests()
    {
        var gen = Gen.Zip(TestGen.Secp256k1PrivateKey, TestGen.Bytes(32));
        Prop.ForAll(gen.ToArbitrary(), pair =>
        {
            var (key, digest) = pair;
            var signature = Secp256k1.SignDigest(key, digest);
            var lowS = ToInteger(signature.AsSpan(32, 32)) <= N / 2;
            var recovered = Secp256k1.TryRecover(digest, signature, out var publicKey, out _);
            return signature.Length == 65
                && signature[64] is 27 or 28
                && lowS
                && recovered
                && publicKey!.AsSpan().SequenceEqual(Secp256k1.PublicKeyFromPrivate(key))
                && Secp256k1.SignDigest(key, digest).AsSpan().SequenceEqual(signature);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_signature_does_not_recover_the_signer_for_another_digest()
    {
        var gen = Gen.Zip(TestGen.Secp256k1PrivateKey, TestGen.Bytes(32));
        Prop.ForAll(gen.ToArbitrary(), pair =>
        {
            var (key, digest) = pair;
            var signature = Secp256k1.SignDigest(key, digest);
            var other = (byte[])digest.Clone();
            other[0] ^= 1;
            return !Secp256k1.TryRecover(other, signature, out var publicKey, out _)
                || !publicKey.AsSpan().SequenceEqual(Secp256k1.PublicKeyFromPrivate(key));
        }).QuickCheckThrowOnFailure();
    }
}
