using System.Security.Cryptography;
using Dm3.Backend.Signing;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// A software key wrapper for development: RSA-3072 with OAEP-SHA256 (the same algorithm as Key Vault's RSA-OAEP-256).
/// The key is a PKCS#8 PEM file generated on first use. KeyId is <c>local:rsa:&lt;first 16 hex of SHA-256(SPKI)&gt;</c>.
/// </summary>
public sealed class LocalKeyWrapper : IKeyWrapper, IDisposable
{
    public const int KeySizeBits = 3072;

    private readonly RSA _rsa;

    /// <summary>Takes ownership of <paramref name="rsa"/>.</summary>
    public LocalKeyWrapper(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        if (rsa.KeySize < 2048)
        {
            throw new ArgumentException("The wrapping key must be at least RSA-2048.", nameof(rsa));
        }
        _rsa = rsa;
        var spki = rsa.ExportSubjectPublicKeyInfo();
        KeyId = "local:rsa:" + Convert.ToHexString(SHA256.HashData(spki), 0, 8).ToLowerInvariant();
    }

    public string KeyId { get; }

    public static LocalKeyWrapper FromPem(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new LocalKeyWrapper(rsa);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>Loads the PEM key at <paramref name="pemPath"/>, generating an RSA-3072 key there (mode 0600) when absent.</summary>
    public static LocalKeyWrapper LoadOrCreate(string pemPath)
    {
        var pem = DevKeyFile.ReadOrCreate(pemPath, () =>
        {
            using var rsa = RSA.Create(KeySizeBits);
            return rsa.ExportPkcs8PrivateKeyPem() + "\n";
        });
        return FromPem(pem);
    }

    public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> plaintextKey, CancellationToken cancellationToken)
    {
        if (plaintextKey.Length == 0)
        {
            throw new ArgumentException("Nothing to wrap.", nameof(plaintextKey));
        }
        var ciphertext = _rsa.Encrypt(plaintextKey.ToArray(), RSAEncryptionPadding.OaepSHA256);
        return Task.FromResult(new WrappedKey(KeyId, ciphertext));
    }

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (wrapped.KeyId != KeyId)
        {
            throw new CryptographicException($"The data key was wrapped by {wrapped.KeyId}, not by {KeyId}.");
        }
        return Task.FromResult(_rsa.Decrypt(wrapped.Ciphertext, RSAEncryptionPadding.OaepSHA256));
    }

    public void Dispose() => _rsa.Dispose();
}
