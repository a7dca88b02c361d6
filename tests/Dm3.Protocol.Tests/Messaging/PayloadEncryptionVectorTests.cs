using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Messaging;

public abstract class PayloadEncryptionVectorTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("encryption");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Encryption_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector("encryption", id);
        if (id.StartsWith("asymmetric-fixed-", StringComparison.Ordinal))
        {
            AsymmetricFixed(v);
        }
        else if (id.StartsWith("asymmetric-library-random-", StringComparison.Ordinal))
        {
            var ok = PayloadEncryption.TryDecryptAsymmetric(v.B64Bytes("inputs.receiverX25519PrivateKeyB64"), v.Str("inputs.encryptedPayloadCanonicalJson"), out var plaintext, out var error);
            Assert.True(ok, error?.Message);
            Assert.Equal(v.Str("expected.plaintextText"), plaintext);
        }
        else if (id.StartsWith("symmetric-fixed-", StringComparison.Ordinal))
        {
            var key = v.B64Bytes("inputs.keyB64");
            var payload = PayloadEncryption.EncryptSymmetric(key, v.Str("inputs.plaintextText"), v.HexBytes("inputs.nonceHex"));
            Assert.Equal(v.Str("expected.ciphertextB64"), payload.Ciphertext);
            Assert.Equal(int.Parse(v.Str("expected.ciphertextLengthText"), System.Globalization.CultureInfo.InvariantCulture), Convert.FromBase64String(payload.Ciphertext).Length);
            Assert.Null(payload.EphemPublicKey);

            // The AEAD of the provider under test reproduces the vector on its own too.
            var padded = PayloadEncryption.Pad(System.Text.Encoding.UTF8.GetBytes(v.Str("inputs.plaintextText")));
            Assert.Equal(v.Str("expected.ciphertextB64"), Convert.ToBase64String(ChaChaPoly.Encrypt(key, v.HexBytes("inputs.nonceHex"), padded)));
            Assert.Equal(padded, ChaChaPoly.Decrypt(key, v.HexBytes("inputs.nonceHex"), Convert.FromBase64String(v.Str("expected.ciphertextB64"))));
            Assert.True(PayloadEncryption.TryDecryptSymmetric(key, payload, out var decrypted, out var error), error?.Message);
            Assert.Equal(v.Str("expected.decryptedText"), decrypted);
        }
        else if (id.StartsWith("negative-", StringComparison.Ordinal))
        {
            Assert.Equal("must-fail", v.Str("expected.outcomeText"));
            var json = v.Str("inputs.encryptedPayloadCanonicalJson");
            bool ok;
            ProtocolError? error;
            if (v.Has("inputs.keyB64"))
            {
                ok = PayloadEncryption.TryDecryptSymmetric(v.B64Bytes("inputs.keyB64"), json, out _, out error);
            }
            else
            {
                ok = PayloadEncryption.TryDecryptAsymmetric(v.B64Bytes("inputs.receiverX25519PrivateKeyB64"), json, out _, out error);
            }

            Assert.False(ok);
            Assert.NotNull(error);
            var expectedCode = id == "negative-bad-padding" ? "encryption.bad_padding" : "encryption.authentication_failed";
            Assert.Equal(expectedCode, error.Code);
        }
        else
        {
            Assert.Fail($"unhandled encryption vector {id}");
        }
    }

    private static void AsymmetricFixed(System.Text.Json.Nodes.JsonObject v)
    {
        var receiverPrivate = v.B64Bytes("inputs.receiverX25519PrivateKeyB64");
        var receiverPublic = v.B64Bytes("inputs.receiverX25519PublicKeyB64");
        var ephemeralPrivate = v.B64Bytes("inputs.ephemeralX25519PrivateKeyB64");
        var ephemeralPublic = v.B64Bytes("inputs.ephemeralX25519PublicKeyB64");
        var plaintext = v.Str("inputs.plaintextText");
        Assert.Equal(int.Parse(v.Str("inputs.plaintextUtf8ByteLengthText"), System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetByteCount(plaintext));

        // The ephemeral pair is a crypto_kx seed pair.
        var (seedPrivate, seedPublic) = X25519.KxSeedKeyPair(v.B64Bytes("inputs.ephemeralSeedB64"));
        Assert.Equal(ephemeralPrivate, seedPrivate);
        Assert.Equal(ephemeralPublic, seedPublic);

        // Key schedule: the second half of BLAKE2b-512(q || e_pk || R_pk), the same on both sides.
        var q = X25519.SharedSecret(ephemeralPrivate, receiverPublic);
        Assert.Equal(v.HexBytes("expected.x25519SharedSecretHex"), q);
        Assert.Equal(v.HexBytes("expected.x25519SharedSecretHex"), X25519.SharedSecret(receiverPrivate, ephemeralPublic));
        var key = PayloadEncryption.KxKey(q, ephemeralPublic, receiverPublic);
        Assert.Equal(v.B64Bytes("expected.encryptionKeyB64"), key);
        Assert.Equal(v.HexBytes("expected.secondHalfHex"), key);

        // Padding.
        var padded = PayloadEncryption.Pad(System.Text.Encoding.UTF8.GetBytes(plaintext));
        Assert.Equal(int.Parse(v.Str("expected.paddedLengthText"), System.Globalization.CultureInfo.InvariantCulture), padded.Length);
        Assert.Equal(v.HexBytes("expected.paddedSha256Hex"), SHA256.HashData(padded));

        // The whole payload, byte for byte.
        var payload = PayloadEncryption.EncryptAsymmetric(receiverPublic, plaintext, ephemeralPrivate, v.HexBytes("inputs.nonceHex"));
        Assert.Equal(v.Str("expected.ciphertextB64"), payload.Ciphertext);
        Assert.Equal(v.Str("expected.encryptedPayloadCanonicalJson"), payload.ToCanonicalJson());

        Assert.True(PayloadEncryption.TryDecryptAsymmetric(receiverPrivate, v.Str("expected.encryptedPayloadCanonicalJson"), out var decrypted, out var error), error?.Message);
        Assert.Equal(plaintext, decrypted);
    }
}

public sealed class PayloadEncryptionVectorTestsOnBouncyCastle() : PayloadEncryptionVectorTests(BouncyCastleCryptoProvider.Instance);

public sealed class PayloadEncryptionVectorTestsOnLibsodium() : PayloadEncryptionVectorTests(SodiumCryptoProvider.Instance);
