using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Sodium;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Crypto;

/// <summary>
/// The libsodium (native) and BouncyCastle (managed) providers must give identical results for every input, valid or
/// hostile, once the shared checks of <see cref="Ed25519"/> and <see cref="X25519"/> stand in front of them: these
/// tests drive both and compare. (Every other provider-dependent test class runs once per provider.)
/// </summary>
public sealed class ProviderEquivalenceTests
{
    // Field prime p = 2^255 − 19 and the Ed25519 group order L, little-endian.
    private static readonly byte[] P = Hex.Decode("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    private static readonly byte[] L = Hex.Decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

    private static ICryptoProvider Native => SodiumCryptoProvider.Instance;

    private static ICryptoProvider Managed => BouncyCastleCryptoProvider.Instance;

    [Fact]
    public void Libsodium_loads_here_and_names_its_version()
    {
        Assert.StartsWith("native (libsodium 1.0.", Native.Name, StringComparison.Ordinal);
        Assert.StartsWith("managed (BouncyCastle", Managed.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_provider_scope_ends_with_the_provider_that_was_in_effect_before()
    {
        var before = CryptoProvider.Current;
        using (CryptoProvider.Use(Native))
        {
            Assert.Same(Native, CryptoProvider.Current);
            using (CryptoProvider.Use(Managed))
            {
                Assert.Same(Managed, CryptoProvider.Current);
            }

            Assert.Same(Native, CryptoProvider.Current);
        }

        Assert.Same(before, CryptoProvider.Current);
    }

    [Fact]
    public void Blake2b_and_the_aead_are_identical_in_both_providers()
    {
        Prop.ForAll(Gen.Choose(0, 5000).Select(n => RandomNumberGenerator.GetBytes(n)).ToArbitrary(), data =>
        {
            var (native256, managed256, native512, managed512) = (new byte[32], new byte[32], new byte[64], new byte[64]);
            Native.Blake2b(data, native256);
            Managed.Blake2b(data, managed256);
            Native.Blake2b(data, native512);
            Managed.Blake2b(data, managed512);
            var key = RandomNumberGenerator.GetBytes(32);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var (nativeSealed, managedSealed) = (new byte[data.Length + 16], new byte[data.Length + 16]);
            Native.ChaCha20Poly1305Seal(key, nonce, data, nativeSealed);
            Managed.ChaCha20Poly1305Seal(key, nonce, data, managedSealed);
            var (nativeOpened, managedOpened) = (new byte[data.Length], new byte[data.Length]);
            var sameSealed = nativeSealed.AsSpan().SequenceEqual(managedSealed);
            var opened = Native.ChaCha20Poly1305Open(key, nonce, managedSealed, nativeOpened) && Managed.ChaCha20Poly1305Open(key, nonce, nativeSealed, managedOpened)
                && nativeOpened.AsSpan().SequenceEqual(data) && managedOpened.AsSpan().SequenceEqual(data);
            managedSealed[RandomNumberGenerator.GetInt32(managedSealed.Length)] ^= 1;
            var forgedRefused = !Native.ChaCha20Poly1305Open(key, nonce, managedSealed, nativeOpened) && !Managed.ChaCha20Poly1305Open(key, nonce, managedSealed, managedOpened);
            return native256.AsSpan().SequenceEqual(managed256) && native512.AsSpan().SequenceEqual(managed512)
                && sameSealed && opened && forgedRefused;
        }).QuickCheckThrowOnFailure();
    }

    // ---------------------------------------------------------------- X25519

    [Fact]
    public void X25519_public_keys_are_identical_in_both_providers()
    {
        Prop.ForAll(TestGen.Bytes(32).ToArbitrary(), k =>
        {
            var native = new byte[32];
            var managed = new byte[32];
            Native.X25519PublicKey(k, native);
            Managed.X25519PublicKey(k, managed);
            byte[] nativeCached;
            using (CryptoProvider.Use(Native))
            {
                nativeCached = X25519.PublicKeyFromPrivate(k);
            }

            return native.AsSpan().SequenceEqual(managed) && nativeCached.AsSpan().SequenceEqual(managed);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void X25519_shared_secrets_are_identical_in_both_providers_for_any_peer_bytes()
    {
        // Any 32 bytes as the peer key: high bit set, u ≥ p, points on the twist.
        Prop.ForAll(Gen.Two(TestGen.Bytes(32)).ToArbitrary(), pair =>
        {
            var (k, u) = pair;
            return SameX25519Outcome(k, u);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void X25519_low_order_points_and_their_non_canonical_forms_are_refused_by_both_providers()
    {
        foreach (var u in X25519LowOrderPoints())
        {
            for (var i = 0; i < 8; i++)
            {
                var k = RandomNumberGenerator.GetBytes(32);
                Assert.False(ManagedOutcome(k, u).Ok, "managed accepted low-order point " + Hex.Encode(u));
                Assert.False(NativeOutcome(k, u).Ok, "native accepted low-order point " + Hex.Encode(u));
                Assert.Throws<CryptographicException>(() => X25519.SharedSecret(k, u));
            }
        }
    }

    [Fact]
    public void X25519_non_canonical_u_and_the_high_bit_give_the_same_secret_in_both_providers()
    {
        var k = RandomNumberGenerator.GetBytes(32);
        foreach (var u in X25519EdgeCoordinates())
        {
            Assert.True(SameX25519Outcome(k, u), "providers differ for u = " + Hex.Encode(u));
        }
    }

    [Fact]
    public void Ephemeral_agreement_matches_separate_public_key_and_shared_secret_in_both_providers()
    {
        Prop.ForAll(Gen.Two(TestGen.Bytes(32)).ToArbitrary(), pair =>
        {
            var (e, receiverPrivate) = pair;
            var receiverPublic = new byte[32];
            Managed.X25519PublicKey(receiverPrivate, receiverPublic);
            var (nativePublic, nativeShared, managedPublic, managedShared) = (new byte[32], new byte[32], new byte[32], new byte[32]);
            var nativeOk = Agree(Native, e, receiverPublic, nativePublic, nativeShared);
            var managedOk = Agree(Managed, e, receiverPublic, managedPublic, managedShared);
            return nativeOk && managedOk
                && nativePublic.AsSpan().SequenceEqual(managedPublic)
                && nativeShared.AsSpan().SequenceEqual(managedShared)
                && X25519.SharedSecret(receiverPrivate, managedPublic).AsSpan().SequenceEqual(managedShared);
        }).QuickCheckThrowOnFailure();
    }

    // ---------------------------------------------------------------- Ed25519

    [Fact]
    public void Ed25519_keys_and_signatures_are_identical_in_both_providers()
    {
        Prop.ForAll(Gen.Two(TestGen.Bytes(32)).Select(p => (Seed: p.Item1, Message: p.Item2)).SelectMany(p => TestGen.AnyBytes.Select(m => (p.Seed, Message: m))).ToArbitrary(), input =>
        {
            var (nativePublic, managedPublic) = (new byte[32], new byte[32]);
            Native.Ed25519PublicKey(input.Seed, nativePublic);
            Managed.Ed25519PublicKey(input.Seed, managedPublic);
            var privateKey = input.Seed.Concat(managedPublic).ToArray();
            var (nativeSignature, managedSignature) = (new byte[64], new byte[64]);
            Native.Ed25519Sign(privateKey, input.Message, nativeSignature);
            Managed.Ed25519Sign(privateKey, input.Message, managedSignature);
            return nativePublic.AsSpan().SequenceEqual(managedPublic)
                && nativeSignature.AsSpan().SequenceEqual(managedSignature)
                && Ed25519.VerifyWith(Native, managedPublic, input.Message, managedSignature)
                && Ed25519.VerifyWith(Managed, managedPublic, input.Message, nativeSignature);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Ed25519_verification_agrees_on_mutated_signatures_keys_and_messages()
    {
        var gen =
            from seed in TestGen.Bytes(32)
            from message in TestGen.AnyBytes
            from target in Gen.Choose(0, 3)
            from position in Gen.Choose(0, 63)
            from bit in Gen.Choose(0, 7)
            select (seed, message, target, position, bit);
        Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(input.seed);
            var message = input.message;
            var signature = Ed25519.Sign(privateKey, message);
            switch (input.target)
            {
                case 0:
                    signature[input.position] ^= (byte)(1 << input.bit);
                    break;
                case 1:
                    publicKey[input.position % 32] ^= (byte)(1 << input.bit);
                    break;
                case 2 when message.Length > 0:
                    message = (byte[])message.Clone();
                    message[input.position % message.Length] ^= (byte)(1 << input.bit);
                    break;
                default:
                    signature = RandomNumberGenerator.GetBytes(64); // random garbage, usually with S ≥ L
                    break;
            }

            var native = Ed25519.VerifyWith(Native, publicKey, message, signature);
            var managed = Ed25519.VerifyWith(Managed, publicKey, message, signature);
            return native == managed;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Ed25519_non_canonical_s_is_refused_by_both_providers()
    {
        var (privateKey, publicKey) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
        var message = "non-canonical S"u8.ToArray();
        var signature = Ed25519.Sign(privateKey, message);
        Assert.True(Ed25519.VerifyWith(Native, publicKey, message, signature));
        Assert.True(Ed25519.VerifyWith(Managed, publicKey, message, signature));

        // S + L is the same scalar mod L, so only the S < L rule can refuse it.
        var malleated = (byte[])signature.Clone();
        AddLittleEndian(malleated.AsSpan(32), L);
        foreach (var s in new[] { malleated[32..], L, Plus(L, 1), Enumerable.Repeat((byte)0xff, 32).ToArray() })
        {
            var candidate = signature[..32].Concat(s).ToArray();
            Assert.False(Ed25519.VerifyWith(Native, publicKey, message, candidate), "native accepted S = " + Hex.Encode(s));
            Assert.False(Ed25519.VerifyWith(Managed, publicKey, message, candidate), "managed accepted S = " + Hex.Encode(s));
        }
    }

    [Fact]
    public void Ed25519_small_order_and_non_canonical_keys_and_r_values_give_identical_verdicts()
    {
        var (_, honestKey) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
        var keys = Ed25519EdgePoints().Append(honestKey).ToList();
        var rs = Ed25519EdgePoints().Append(honestKey).ToList();
        byte[][] ss = [new byte[32], Scalar(1), Scalar(2), Scalar(8), Minus(L, 1), (byte[])L.Clone(), RandomScalar()];
        byte[][] messages = [[], "dm3"u8.ToArray(), RandomNumberGenerator.GetBytes(100)];
        var accepted = 0;
        var bareEquationHolds = 0;
        foreach (var a in keys)
        {
            foreach (var r in rs)
            {
                foreach (var s in ss)
                {
                    var signature = r.Concat(s).ToArray();
                    foreach (var message in messages)
                    {
                        var native = Ed25519.VerifyWith(Native, a, message, signature);
                        var managed = Ed25519.VerifyWith(Managed, a, message, signature);
                        Assert.True(native == managed, $"providers differ: A={Hex.Encode(a)} R={Hex.Encode(r)} S={Hex.Encode(s)} message={Hex.Encode(message)} native={native} managed={managed}");
                        accepted += native ? 1 : 0;
                        if (message.Length == 3 && s.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                        {
                            // S = 0 and h·A = −R: the bare equation holds for some small-order pairs (checked independently).
                            bareEquationHolds += Ed25519SmallOrderTests.SatisfiesCofactorlessEquation(a, message, signature) ? 1 : 0;
                        }
                    }
                }
            }
        }

        // Cofactorless verification alone accepts some forgeries for small-order keys (e.g. A = R = identity, S = 0);
        // like libsodium, both providers refuse every one of them, since each combination here has a small-order or
        // non-canonical A or R, or an S that is not a signature.
        Assert.True(bareEquationHolds > 0);
        Assert.Equal(0, accepted);
    }

    [Fact]
    public void Ed25519_forgeries_that_satisfy_the_cofactorless_equation_are_refused_by_both_providers()
    {
        // (1) A = any small-order encoding, R = identity, S = 0, with a message whose challenge h is divisible by 8
        //     ([h]A = identity). (2) An honest A = [a]B with R = identity and S = h·a mod L.
        var identity = Scalar(1);
        var zero = new byte[32];
        var cases = new List<(byte[] A, byte[] Message, byte[] Signature)>();
        foreach (var encoding in Ed25519.SmallOrderEncodings)
        {
            foreach (var a in new[] { encoding, WithSignBit(encoding) })
            {
                var message = Enumerable.Range(0, 1000).Select(i => System.Text.Encoding.UTF8.GetBytes("m" + i))
                    .First(m => Challenge(identity, a, m) % 8 == 0);
                cases.Add((a, message, identity.Concat(zero).ToArray()));
            }
        }

        var seed = RandomNumberGenerator.GetBytes(32);
        var (_, honest) = Ed25519.KeyPairFromSeed(seed);
        var honestMessage = "identity R"u8.ToArray();
        var s = Challenge(identity, honest, honestMessage) * SecretScalar(seed) % LValue;
        cases.Add((honest, honestMessage, identity.Concat(ToScalarBytes(s)).ToArray()));

        foreach (var (a, message, signature) in cases)
        {
            Assert.False(Ed25519.VerifyWith(Native, a, message, signature), "native accepted a forgery for A = " + Hex.Encode(a));
            Assert.False(Ed25519.VerifyWith(Managed, a, message, signature), "managed accepted a forgery for A = " + Hex.Encode(a));
            Assert.False(Ed25519.Verify(a, message, signature));
        }

        // The cases are real forgeries of the bare equation: the unguarded BouncyCastle core accepts the canonical ones.
        var identityKey = cases.First(c => c.A.AsSpan().SequenceEqual(identity));
        Assert.True(Ed25519SmallOrderTests.SatisfiesCofactorlessEquation(identityKey.A, identityKey.Message, identityKey.Signature));
        Assert.True(Ed25519SmallOrderTests.SatisfiesCofactorlessEquation(honest, honestMessage, cases[^1].Signature));
    }

    [Fact]
    public void A_signing_key_whose_public_half_does_not_match_is_refused_on_both_providers_even_after_a_cached_use()
    {
        foreach (var provider in new[] { Native, Managed })
        {
            using var scope = CryptoProvider.Use(provider);
            var (privateKey, _) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
            var message = "cache"u8.ToArray();
            _ = Ed25519.Sign(privateKey, message);
            var forged = (byte[])privateKey.Clone();
            forged[40] ^= 1;
            Assert.Throws<ArgumentException>(() => Ed25519.Sign(forged, message));
        }
    }

    [Fact]
    public void Key_caches_stay_correct_when_more_keys_are_used_than_they_hold()
    {
        var keys = Enumerable.Range(0, KeyCache<object>.Capacity * 2 + 1).Select(_ => ProfileKeysLike()).ToList();
        var message = "round robin"u8.ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var (edPrivate, edPublic, xPrivate, xPublic) in keys)
            {
                var signature = Ed25519.Sign(edPrivate, message);
                var (nativeSignature, managedSignature) = (new byte[64], new byte[64]);
                Native.Ed25519Sign(edPrivate, message, nativeSignature);
                Managed.Ed25519Sign(edPrivate, message, managedSignature);
                Assert.Equal(managedSignature, signature);
                Assert.Equal(nativeSignature, signature);
                Assert.True(Ed25519.Verify(edPublic, message, signature));
                Assert.Equal(xPublic, X25519.PublicKeyFromPrivate(xPrivate));
            }
        }
    }

    [Fact]
    public void Concurrent_use_from_many_threads_gives_the_single_threaded_results()
    {
        var keys = Enumerable.Range(0, 6).Select(_ => ProfileKeysLike()).ToList();
        var peer = X25519.GenerateKeyPair();
        var message = "threads"u8.ToArray();
        var expectedSignatures = keys.Select(k => Ed25519.Sign(k.EdPrivate, message)).ToList();
        var expectedSecrets = keys.Select(k => X25519.SharedSecret(k.XPrivate, peer.PublicKey32)).ToList();
        var failures = 0;
        Parallel.For(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var index = i % keys.Count;
            var key = keys[index];
            var ok = Ed25519.Sign(key.EdPrivate, message).AsSpan().SequenceEqual(expectedSignatures[index])
                && Ed25519.Verify(key.EdPublic, message, expectedSignatures[index])
                && !Ed25519.Verify(keys[(index + 1) % keys.Count].EdPublic, message, expectedSignatures[index])
                && X25519.SharedSecret(key.XPrivate, peer.PublicKey32).AsSpan().SequenceEqual(expectedSecrets[index])
                && X25519.PublicKeyFromPrivate(key.XPrivate).AsSpan().SequenceEqual(key.XPublic);
            if (!ok)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    // ---------------------------------------------------------------- helpers

    private static (byte[] EdPrivate, byte[] EdPublic, byte[] XPrivate, byte[] XPublic) ProfileKeysLike()
    {
        var (edPrivate, edPublic) = Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32));
        var (xPrivate, xPublic) = X25519.GenerateKeyPair();
        return (edPrivate, edPublic, xPrivate, xPublic);
    }

    private static (bool Ok, byte[] Shared) NativeOutcome(byte[] k, byte[] u)
    {
        var shared = new byte[32];
        return (X25519.TrySharedSecret(Native, k, u, shared), shared);
    }

    private static (bool Ok, byte[] Shared) ManagedOutcome(byte[] k, byte[] u)
    {
        var shared = new byte[32];
        return (X25519.TrySharedSecret(Managed, k, u, shared), shared);
    }

    /// <summary>The ephemeral agreement of the envelope path on <paramref name="provider"/>; false for an all-zero secret.</summary>
    private static bool Agree(ICryptoProvider provider, byte[] ephemeralPrivate, byte[] peerPublic, byte[] ownPublic, byte[] shared)
    {
        using var scope = CryptoProvider.Use(provider);
        try
        {
            X25519.EphemeralAgreement(ephemeralPrivate, peerPublic, ownPublic, shared);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool SameX25519Outcome(byte[] k, byte[] u)
    {
        var native = NativeOutcome(k, u);
        var managed = ManagedOutcome(k, u);
        return native.Ok == managed.Ok && (!native.Ok || native.Shared.AsSpan().SequenceEqual(managed.Shared));
    }

    /// <summary>The u-coordinates of the points of order 1, 2, 4 and 8 on Curve25519, plus u + p where that fits in 255 bits, each also with bit 255 set.</summary>
    private static IEnumerable<byte[]> X25519LowOrderPoints()
    {
        byte[][] points =
        [
            new byte[32],
            Scalar(1),
            Hex.Decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            Hex.Decode("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
            Minus(P, 1),   // u = −1
            (byte[])P.Clone(), // u = p ≡ 0
            Plus(P, 1),    // u = p + 1 ≡ 1
        ];
        foreach (var u in points)
        {
            yield return u;
            var high = (byte[])u.Clone();
            high[31] |= 0x80;
            yield return high;
        }
    }

    private static IEnumerable<byte[]> X25519EdgeCoordinates()
    {
        yield return Scalar(9);
        yield return Plus(P, 9);     // non-canonical 9
        yield return Minus(P, 2);
        yield return Plus(P, 2);
        yield return Enumerable.Repeat((byte)0xff, 32).ToArray();
        yield return Hex.Decode("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        var nine = Scalar(9);
        nine[31] |= 0x80;
        yield return nine;
        yield return Scalar(2); // on the twist
    }

    /// <summary>
    /// Encodings of the eight small-order Edwards points, their non-canonical forms (y + p), the "negative zero"
    /// forms of the two x = 0 points, y = p itself and an off-curve y.
    /// </summary>
    private static IEnumerable<byte[]> Ed25519EdgePoints()
    {
        var order8 = Hex.Decode("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
        var order8b = Hex.Decode("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
        byte[][] canonical = [Scalar(1), Minus(P, 1), new byte[32], order8, order8b];
        foreach (var y in canonical)
        {
            yield return y;
            var negative = (byte[])y.Clone();
            negative[31] |= 0x80;
            yield return negative; // for y = ±1 this is "negative zero"
        }

        yield return (byte[])P.Clone();   // y = p ≡ 0, non-canonical
        yield return Plus(P, 1);          // y = p + 1 ≡ 1, non-canonical identity
        var nonCanonicalIdentityNegative = Plus(P, 1);
        nonCanonicalIdentityNegative[31] |= 0x80;
        yield return nonCanonicalIdentityNegative;
        yield return Scalar(2);           // y = 2 is not on the curve
    }

    private static readonly System.Numerics.BigInteger LValue = new(L, isUnsigned: true, isBigEndian: false);

    private static System.Numerics.BigInteger SecretScalar(byte[] seed)
    {
        var h = SHA512.HashData(seed);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        return new System.Numerics.BigInteger(h.AsSpan(0, 32), isUnsigned: true, isBigEndian: false);
    }

    private static System.Numerics.BigInteger Challenge(byte[] r, byte[] a, byte[] message) =>
        new System.Numerics.BigInteger(SHA512.HashData(r.Concat(a).Concat(message).ToArray()), isUnsigned: true, isBigEndian: false) % LValue;

    private static byte[] ToScalarBytes(System.Numerics.BigInteger value)
    {
        var bytes = new byte[32];
        Assert.True(value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false));
        return bytes;
    }

    private static byte[] WithSignBit(byte[] encoding)
    {
        var copy = (byte[])encoding.Clone();
        copy[31] |= 0x80;
        return copy;
    }

    private static byte[] Scalar(int value)
    {
        var bytes = new byte[32];
        bytes[0] = (byte)value;
        return bytes;
    }

    private static byte[] RandomScalar()
    {
        var s = RandomNumberGenerator.GetBytes(32);
        s[31] &= 0x0f;
        return s;
    }

    private static byte[] Plus(byte[] a, int small)
    {
        var result = (byte[])a.Clone();
        AddLittleEndian(result, Scalar(small));
        return result;
    }

    private static byte[] Minus(byte[] a, int small)
    {
        var result = (byte[])a.Clone();
        var borrow = small;
        for (var i = 0; i < 32 && borrow != 0; i++)
        {
            var v = result[i] - borrow;
            borrow = v < 0 ? 1 : 0;
            result[i] = (byte)(v + (v < 0 ? 256 : 0));
        }

        return result;
    }

    private static void AddLittleEndian(Span<byte> target, ReadOnlySpan<byte> addend)
    {
        var carry = 0;
        for (var i = 0; i < 32; i++)
        {
            var v = target[i] + addend[i] + carry;
            target[i] = (byte)v;
            carry = v >> 8;
        }
    }
}
