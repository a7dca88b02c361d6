namespace Dm3.Protocol.Crypto.Providers;

/// <summary>
/// The primitives dm3 takes from a crypto library, nothing more: Ed25519 (libsodium key layout), X25519, BLAKE2b and
/// ChaCha20-Poly1305 IETF. Implementations are raw: lengths, strict encodings, small-order points, the all-zero shared
/// secret and key caching are checked once, in front of every provider, by <see cref="Ed25519"/>, <see cref="X25519"/>,
/// <see cref="Hashes"/> and <c>ChaChaPoly</c>. One provider serves the whole process (<see cref="CryptoProvider"/>).
/// Implementations must be thread-safe and must not throw for well-sized inputs.
/// </summary>
public interface ICryptoProvider
{
    /// <summary>A short name for diagnostics (bench headers, logs).</summary>
    string Name { get; }

    /// <summary>The Ed25519 public key of a 32-byte seed.</summary>
    void Ed25519PublicKey(ReadOnlySpan<byte> seed32, Span<byte> publicKey32);

    /// <summary>Detached signature with a libsodium-layout key (seed ‖ public key) whose halves are known to match.</summary>
    void Ed25519Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message, Span<byte> signature64);

    /// <summary>RFC 8032 verification (cofactorless); the caller has already refused non-canonical and small-order encodings.</summary>
    bool Ed25519Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64);

    /// <summary>X25519(k, 9) for an unclamped private key.</summary>
    void X25519PublicKey(ReadOnlySpan<byte> privateKey32, Span<byte> publicKey32);

    /// <summary>Raw X25519(k, u); all zero for a small-order u (the caller refuses that).</summary>
    void X25519Agree(ReadOnlySpan<byte> privateKey32, ReadOnlySpan<byte> publicKey32, Span<byte> shared32);

    /// <summary>Unkeyed BLAKE2b; the output length (32 or 64 bytes) is the digest size.</summary>
    void Blake2b(ReadOnlySpan<byte> data, Span<byte> hash);

    /// <summary>ChaCha20-Poly1305 IETF without associated data: <paramref name="sealed"/> = ciphertext ‖ 16-byte tag.</summary>
    void ChaCha20Poly1305Seal(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> plaintext, Span<byte> @sealed);

    /// <summary>Opens <paramref name="sealed"/> (ciphertext ‖ tag) into <paramref name="plaintext"/>; false when the tag does not verify.</summary>
    bool ChaCha20Poly1305Open(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> @sealed, Span<byte> plaintext);
}
