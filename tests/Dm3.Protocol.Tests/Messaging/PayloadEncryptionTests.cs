using System.Security.Cryptography;
using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Messaging;

public abstract class PayloadEncryptionTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(60);

    /// <summary>Texts whose UTF-8 length lies around the padding block boundaries, with multibyte characters.</summary>
    private static Arbitrary<string> Plaintexts()
    {
        var pieces = new[] { "a", "z", "0", " ", "\n", "\"", "ü", "€", "世", "😀", "\u2028" };
        var sized = Gen.Elements(new[] { 0, 1, 5, 100, 2040, 2046, 2047, 2048, 2049, 2050, 4095, 4096, 4097 })
            .SelectMany(target => Gen.ArrayOf(Gen.Elements(pieces), Math.Max(0, target / 2)).Select(parts => Fit(string.Concat(parts), target)));
        return sized.ToArbitrary();
    }

    /// <summary>Pads or trims a text with ASCII so that its UTF-8 length is exactly <paramref name="bytes"/>.</summary>
    private static string Fit(string text, int bytes)
    {
        var sb = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (System.Text.Encoding.UTF8.GetByteCount(sb.ToString()) + rune.Utf8SequenceLength > bytes)
            {
                break;
            }

            sb.Append(rune.ToString());
        }

        while (System.Text.Encoding.UTF8.GetByteCount(sb.ToString()) < bytes)
        {
            sb.Append('x');
        }

        return sb.ToString();
    }

    [Fact]
    public void Asymmetric_round_trip_holds_for_texts_around_the_block_size()
    {
        var (receiverPrivate, receiverPublic) = X25519.GenerateKeyPair();
        Check.One(Quick, Prop.ForAll(Plaintexts(), text =>
        {
            var payload = PayloadEncryption.EncryptAsymmetric(receiverPublic, text);
            var expectedBlocks = (System.Text.Encoding.UTF8.GetByteCount(text) / 2048) + 1;
            return Convert.FromBase64String(payload.Ciphertext).Length == (expectedBlocks * 2048) + 16
                && PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, payload.ToCanonicalJson(), out var back, out _)
                && back == text;
        }));
    }

    [Fact]
    public void Symmetric_round_trip_holds_for_texts_around_the_block_size()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        Check.One(Quick, Prop.ForAll(Plaintexts(), text =>
            PayloadEncryption.TryDecryptSymmetric(key, PayloadEncryption.EncryptSymmetric(key, text), out var back, out _) && back == text));
    }

    [Fact]
    public void Tampering_any_ciphertext_byte_makes_decryption_fail()
    {
        var (receiverPrivate, receiverPublic) = X25519.GenerateKeyPair();
        var payload = PayloadEncryption.EncryptAsymmetric(receiverPublic, "attack at dawn");
        var sealedData = Convert.FromBase64String(payload.Ciphertext);
        var positions = Gen.Choose(0, sealedData.Length - 1);
        var flips = Gen.Choose(1, 255);
        Check.One(Quick, Prop.ForAll(Gen.Zip(positions, flips, (p, f) => (Item1: p, Item2: f)).ToArbitrary(), t =>
        {
            var copy = (byte[])sealedData.Clone();
            copy[t.Item1] ^= (byte)t.Item2;
            var tampered = payload with { Ciphertext = Convert.ToBase64String(copy) };
            return !PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, tampered, out _, out var error)
                && error.Code == "encryption.authentication_failed";
        }));
    }

    [Fact]
    public void Every_encryption_draws_a_fresh_nonce_and_ephemeral_key()
    {
        var (_, receiverPublic) = X25519.GenerateKeyPair();
        var a = PayloadEncryption.EncryptAsymmetric(receiverPublic, "same text");
        var b = PayloadEncryption.EncryptAsymmetric(receiverPublic, "same text");
        Assert.NotEqual(a.Nonce, b.Nonce);
        Assert.NotEqual(a.EphemPublicKey, b.EphemPublicKey);
        var key = RandomNumberGenerator.GetBytes(32);
        Assert.NotEqual(PayloadEncryption.EncryptSymmetric(key, "x").Nonce, PayloadEncryption.EncryptSymmetric(key, "x").Nonce);
    }

    [Fact]
    public void The_provider_aead_matches_the_platform_aead()
    {
        if (!ChaCha20Poly1305.IsSupported)
        {
            return; // no independent reference here; the vectors cover the provider
        }

        Check.One(Quick, Prop.ForAll(Gen.Choose(0, 5000).Select(n => RandomNumberGenerator.GetBytes(n)).ToArbitrary(), data =>
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var platform = new byte[data.Length + ChaChaPoly.TagSize];
            using (var aead = new ChaCha20Poly1305(key))
            {
                aead.Encrypt(nonce, data, platform.AsSpan(0, data.Length), platform.AsSpan(data.Length));
            }

            var ours = ChaChaPoly.Encrypt(key, nonce, data);
            return platform.AsSpan().SequenceEqual(ours) && ChaChaPoly.Decrypt(key, nonce, platform)!.AsSpan().SequenceEqual(data);
        }));
    }

    [Fact]
    public void The_provider_aead_rejects_a_wrong_tag()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var sealedData = ChaChaPoly.Encrypt(key, nonce, new byte[2048]);
        sealedData[^1] ^= 1;
        Assert.Null(ChaChaPoly.Decrypt(key, nonce, sealedData));
    }

    [Theory]
    [InlineData(0, 2048)]
    [InlineData(1, 2048)]
    [InlineData(2047, 2048)]
    [InlineData(2048, 4096)]
    [InlineData(2049, 4096)]
    [InlineData(4096, 6144)]
    public void Pad_appends_a_marker_and_zeros_to_the_next_block(int length, int paddedLength)
    {
        var data = Enumerable.Repeat((byte)0x41, length).ToArray();
        var padded = PayloadEncryption.Pad(data);
        Assert.Equal(paddedLength, padded.Length);
        Assert.Equal(0x80, padded[length]);
        Assert.All(padded[(length + 1)..], b => Assert.Equal(0, b));
        Assert.True(PayloadEncryption.TryUnpad(padded, out var unpadded));
        Assert.Equal(length, unpadded);
    }

    [Fact]
    public void Unpad_rejects_a_marker_outside_the_last_block()
    {
        var padded = new byte[4096];
        padded[100] = 0x80; // followed only by zeros, but 3995 of them: beyond the last 2048-byte block
        Assert.False(PayloadEncryption.TryUnpad(padded, out _));
    }

    [Fact]
    public void Unpad_rejects_data_shorter_than_a_block_and_data_without_marker()
    {
        var shortData = new byte[100];
        shortData[10] = 0x80;
        Assert.False(PayloadEncryption.TryUnpad(shortData, out _));
        Assert.False(PayloadEncryption.TryUnpad(new byte[2048], out _));
        var nonZeroAfterMarker = new byte[2048];
        nonZeroAfterMarker[10] = 0x80;
        nonZeroAfterMarker[2000] = 1;
        Assert.False(PayloadEncryption.TryUnpad(nonZeroAfterMarker, out _));
    }

    [Fact]
    public void Decrypt_rejects_authentic_data_whose_marker_is_outside_the_last_block()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var padded = new byte[4096];
        padded[0] = (byte)'a';
        padded[1] = 0x80;
        var payload = new EncryptedPayload(Base64Std.Encode(ChaChaPoly.Encrypt(key, nonce, padded)), Hex.Encode(nonce), null);
        Assert.False(PayloadEncryption.TryDecryptSymmetric(key, payload, out _, out var error));
        Assert.Equal("encryption.bad_padding", error.Code);
    }

    [Fact]
    public void Decrypt_rejects_authentic_data_that_is_not_utf8()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var padded = PayloadEncryption.Pad([0xff, 0xfe]);
        var payload = new EncryptedPayload(Base64Std.Encode(ChaChaPoly.Encrypt(key, nonce, padded)), Hex.Encode(nonce), null);
        Assert.False(PayloadEncryption.TryDecryptSymmetric(key, payload, out _, out var error));
        Assert.Equal("encryption.bad_utf8", error.Code);
    }

    [Theory]
    [InlineData("{\"ciphertext\":\"AAAA\",\"nonce\":\"0x000000000000000000000000\",\"ephemPublicKey\":\"AAAA\"}", "encryption.bad_ephemeral_key")]
    [InlineData("{\"ciphertext\":\"AAAA\",\"nonce\":\"0x000000000000000000000000\"}", "encryption.missing_ephemeral_key")]
    [InlineData("{\"ciphertext\":\"AAAA\",\"nonce\":\"0x0000\",\"ephemPublicKey\":\"W9thffDWjrueuU/QOao4+iebIy2ufz/YREKMcsydjzA=\"}", "encryption.bad_nonce")]
    [InlineData("{\"ciphertext\":\"not base64!\",\"nonce\":\"0x000000000000000000000000\",\"ephemPublicKey\":\"W9thffDWjrueuU/QOao4+iebIy2ufz/YREKMcsydjzA=\"}", "encryption.bad_ciphertext")]
    [InlineData("{\"ciphertext\":\"AAAA\",\"nonce\":\"0x000000000000000000000000\",\"ephemPublicKey\":\"W9thffDWjrueuU/QOao4+iebIy2ufz/YREKMcsydjzA=\"}", "encryption.bad_ciphertext")]
    [InlineData("{\"ciphertext\":\"AAAA\",\"nonce\":\"0x000000000000000000000000\",\"extra\":1}", "encryptedPayload.unknown_member")]
    [InlineData("{\"ciphertext\":1,\"nonce\":\"0x000000000000000000000000\"}", "encryptedPayload.bad_type")]
    [InlineData("{\"nonce\":\"0x000000000000000000000000\"}", "encryptedPayload.missing_member")]
    [InlineData("[1,2]", "encryptedPayload.not_object")]
    public void Decrypt_returns_a_precise_error_for_malformed_payloads(string json, string code)
    {
        var (receiverPrivate, _) = X25519.GenerateKeyPair();
        Assert.False(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, json, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Decrypt_rejects_duplicate_keys_and_invalid_json()
    {
        var (receiverPrivate, _) = X25519.GenerateKeyPair();
        Assert.False(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, "{\"nonce\":\"a\",\"nonce\":\"b\",\"ciphertext\":\"\"}", out _, out _));
        Assert.False(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, "{", out _, out _));
        Assert.False(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, (string?)null, out _, out _));
    }

    [Fact]
    public void Decrypt_rejects_a_low_order_ephemeral_key_without_throwing()
    {
        var (receiverPrivate, _) = X25519.GenerateKeyPair();
        var payload = new EncryptedPayload(Base64Std.Encode(new byte[2064]), Hex.Encode(new byte[12]), Base64Std.Encode(new byte[32]));
        Assert.False(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, payload, out _, out var error));
        Assert.Equal("encryption.bad_ephemeral_key", error.Code);
    }

    [Fact]
    public void Canonical_payload_json_orders_keys_and_omits_absent_ephemeral_key()
    {
        Assert.Equal("{\"ciphertext\":\"c\",\"ephemPublicKey\":\"e\",\"nonce\":\"n\"}", new EncryptedPayload("c", "n", "e").ToCanonicalJson());
        Assert.Equal("{\"ciphertext\":\"c\",\"nonce\":\"n\"}", new EncryptedPayload("c", "n", null).ToCanonicalJson());
    }
}

public sealed class PayloadEncryptionTestsOnBouncyCastle() : PayloadEncryptionTests(BouncyCastleCryptoProvider.Instance);

public sealed class PayloadEncryptionTestsOnLibsodium() : PayloadEncryptionTests(SodiumCryptoProvider.Instance);
