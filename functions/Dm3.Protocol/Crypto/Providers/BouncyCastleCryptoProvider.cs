using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using BcChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;
using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Dm3.Protocol.Crypto.Providers;

/// <summary>
/// The managed provider on BouncyCastle.Cryptography 2.x: the default, and the one that works where libsodium cannot
/// load (Blazor WebAssembly, where .NET's own ChaCha20-Poly1305 is unsupported as well).
/// </summary>
public sealed class BouncyCastleCryptoProvider : ICryptoProvider
{
    private BouncyCastleCryptoProvider()
    {
    }

    public static BouncyCastleCryptoProvider Instance { get; } = new();

    public string Name => "managed (BouncyCastle.Cryptography)";

    public void Ed25519PublicKey(ReadOnlySpan<byte> seed32, Span<byte> publicKey32) => Rfc8032.GeneratePublicKey(seed32, publicKey32);

    public void Ed25519Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message, Span<byte> signature64) =>
        Rfc8032.Sign(privateKey64[..32], privateKey64[32..], message, signature64);

    public bool Ed25519Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64) =>
        Rfc8032.Verify(signature64, publicKey32, message);

    public void X25519PublicKey(ReadOnlySpan<byte> privateKey32, Span<byte> publicKey32) => Rfc7748.ScalarMultBase(privateKey32, publicKey32);

    public void X25519Agree(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32) =>
        Rfc7748.ScalarMult(privateKey32, publicKey32, shared32);

    public void Blake2b(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        var digest = new Blake2bDigest(hash.Length * 8);
        digest.BlockUpdate(data);
        digest.DoFinal(hash);
    }

    public void ChaCha20Poly1305Seal(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> plaintext, Span<byte> @sealed)
    {
        var aead = Start(forEncryption: true, key32, nonce12);
        var written = aead.ProcessBytes(plaintext, @sealed);
        aead.DoFinal(@sealed[written..]);
    }

    public bool ChaCha20Poly1305Open(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> @sealed, Span<byte> plaintext)
    {
        var aead = Start(forEncryption: false, key32, nonce12);
        try
        {
            // BouncyCastle holds back the last 16 bytes (the tag) and checks it in DoFinal, which writes nothing more.
            var written = aead.ProcessBytes(@sealed, plaintext);
            aead.DoFinal(plaintext[written..]);
            return true;
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            plaintext.Clear();
            return false;
        }
    }

    private static BcChaCha20Poly1305 Start(bool forEncryption, ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12)
    {
        var aead = new BcChaCha20Poly1305();
        aead.Init(forEncryption, new ParametersWithIV(new KeyParameter(key32), nonce12));
        return aead;
    }
}
