namespace Dm3.Backend.Signing;

/// <summary>
/// Port: a secp256k1 key that signs 32-byte digests (Key Vault ES256K in Azure, a software key locally).
/// Implementations return Ethereum-style 65-byte signatures r‖s‖v with low s and v ∈ {27, 28}.
/// </summary>
public interface IDigestSigner
{
    /// <summary>The signer's Ethereum address as 20 bytes.</summary>
    ReadOnlyMemory<byte> Address { get; }

    /// <summary>A stable identifier of the key (Key Vault kid, or "local:&lt;address&gt;").</summary>
    string KeyId { get; }

    Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest32, CancellationToken cancellationToken);
}

/// <summary>Port: wraps and unwraps data keys with a key held by a key service (Key Vault RSA-OAEP-256 in Azure).</summary>
public interface IKeyWrapper
{
    /// <returns>The wrapped key and the versioned key id that must be used to unwrap it.</returns>
    Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> plaintextKey, CancellationToken cancellationToken);

    Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken);
}

public sealed record WrappedKey(string KeyId, byte[] Ciphertext);
