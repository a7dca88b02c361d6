using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Lsp;

/// <summary>A sealed escrow record (§7): versioned key id, wrapped data key, 96-bit IV, ciphertext ‖ 128-bit tag.</summary>
public sealed record EscrowBlob(string KeyId, byte[] WrappedDek, byte[] Iv, byte[] Ciphertext);

/// <summary>The escrowed keys in their JSON forms. Secrets: never log, cache or store in clear.</summary>
public sealed record EscrowKeys(string WalletPrivateKey, string ProfileSeed)
{
    public override string ToString() => "EscrowKeys(***)";
}

/// <summary>
/// Key escrow (§7): AES-256-GCM under a fresh 256-bit data key and a fresh 96-bit IV per record; the data key is
/// wrapped by the <see cref="IKeyWrapper"/> port (Key Vault RSA-OAEP-256 in Azure, a local RSA key in dev) and its
/// versioned key id stored with it. AAD = <c>"dm3-lsp-escrow-v1\n" + P + "\n" + lspName + "\n" + lowercase(W)</c>,
/// so a record only opens for its own app, name and owner, and the owner is bound without being stored.
/// </summary>
public sealed class EscrowSealer(IKeyWrapper wrapper)
{
    public const int MaxPlaintextBytes = 1024;
    private const int TagBytes = 16;

    public async Task<EscrowBlob> SealAsync(string app, string lspName, ReadOnlyMemory<byte> owner20, byte[] walletPrivateKey32, byte[] profileSeed32,
        CancellationToken cancellationToken)
    {
        var plaintext = Encoding.UTF8.GetBytes(CanonicalJson.Serialize(new JsonObject
        {
            ["profileSeed"] = Base64Std.Encode(profileSeed32),
            ["version"] = 1,
            ["walletPrivateKey"] = Hex.Encode(walletPrivateKey32),
        }));
        var dek = RandomNumberGenerator.GetBytes(32);
        try
        {
            if (plaintext.Length > MaxPlaintextBytes)
            {
                throw new InvalidOperationException("The escrow plaintext exceeds 1024 bytes.");
            }

            var iv = RandomNumberGenerator.GetBytes(12);
            var output = new byte[plaintext.Length + TagBytes];
            using (var aes = new AesGcm(dek, TagBytes))
            {
                aes.Encrypt(iv, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), Aad(app, lspName, owner20.Span));
            }

            var wrapped = await wrapper.WrapAsync(dek, cancellationToken).ConfigureAwait(false);
            return new EscrowBlob(wrapped.KeyId, wrapped.Ciphertext, iv, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Opens a record for its owner; the data key is discarded after use.</summary>
    public async Task<EscrowKeys> OpenAsync(string app, string lspName, ReadOnlyMemory<byte> owner20, EscrowBlob blob, CancellationToken cancellationToken)
    {
        var dek = await wrapper.UnwrapAsync(new WrappedKey(blob.KeyId, blob.WrappedDek), cancellationToken).ConfigureAwait(false);
        var plaintext = new byte[blob.Ciphertext.Length - TagBytes];
        try
        {
            using (var aes = new AesGcm(dek, TagBytes))
            {
                aes.Decrypt(blob.Iv, blob.Ciphertext.AsSpan(0, plaintext.Length), blob.Ciphertext.AsSpan(plaintext.Length), plaintext, Aad(app, lspName, owner20.Span));
            }

            var node = JsonNode.Parse(plaintext)!.AsObject();
            return new EscrowKeys((string)node["walletPrivateKey"]!, (string)node["profileSeed"]!);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Re-wraps the data key under the wrapper's current key version; the ciphertext is not touched.</summary>
    public async Task<EscrowBlob> RewrapAsync(EscrowBlob blob, CancellationToken cancellationToken)
    {
        var dek = await wrapper.UnwrapAsync(new WrappedKey(blob.KeyId, blob.WrappedDek), cancellationToken).ConfigureAwait(false);
        try
        {
            var wrapped = await wrapper.WrapAsync(dek, cancellationToken).ConfigureAwait(false);
            return blob with { KeyId = wrapped.KeyId, WrappedDek = wrapped.Ciphertext };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    /// <summary>The wrapper's current versioned key id (found by wrapping a throw-away key: the port has no other way to ask).</summary>
    public async Task<string> CurrentKeyIdAsync(CancellationToken cancellationToken)
    {
        var probe = RandomNumberGenerator.GetBytes(32);
        var wrapped = await wrapper.WrapAsync(probe, cancellationToken).ConfigureAwait(false);
        CryptographicOperations.ZeroMemory(probe);
        return wrapped.KeyId;
    }

    internal static byte[] Aad(string app, string lspName, ReadOnlySpan<byte> owner20) =>
        Encoding.UTF8.GetBytes("dm3-lsp-escrow-v1\n" + app + "\n" + lspName + "\n" + Ethereum.ToLowerAddress(owner20));
}
