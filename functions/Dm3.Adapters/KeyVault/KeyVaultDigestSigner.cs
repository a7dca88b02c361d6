using Azure.Security.KeyVault.Keys;
using Azure.Security.KeyVault.Keys.Cryptography;
using Dm3.Adapters.Sdk;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// An Ethereum-style signer backed by a Key Vault EC key on curve P-256K (secp256k1) through the SDK's
/// <see cref="CryptographyClient"/> (ES256K). The key version is pinned when the signer is created (the address must
/// not change under a running process). Key Vault returns raw r‖s with possibly high s and no recovery id (the SDK
/// passes it through); the signature is normalised to low s and v ∈ {27, 28} by trial recovery against the public key.
/// </summary>
public sealed class KeyVaultDigestSigner : IDigestSigner
{
    private readonly CryptographyClient _crypto;
    private readonly byte[] _publicKey;
    private readonly byte[] _address;

    private KeyVaultDigestSigner(CryptographyClient crypto, string keyId, byte[] publicKey65)
    {
        _crypto = crypto;
        KeyId = keyId;
        _publicKey = publicKey65;
        _address = Ethereum.AddressFromPublicKey(publicKey65);
    }

    public ReadOnlyMemory<byte> Address => _address;

    /// <summary>The versioned Key Vault key id.</summary>
    public string KeyId { get; }

    /// <summary>The uncompressed public key 0x04‖x‖y.</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>Reads the public key once (latest version unless <paramref name="version"/> is given) and pins that version.</summary>
    public static async Task<KeyVaultDigestSigner> CreateAsync(KeyClient client, string keyName, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var key = await KeyVaultKeys.GetKeyAsync(client, keyName, version, cancellationToken).ConfigureAwait(false);
        var jwk = key.Key;
        if ((jwk.KeyType != KeyType.Ec && jwk.KeyType != KeyType.EcHsm) || jwk.CurveName != KeyCurveName.P256K)
        {
            throw new InvalidOperationException($"Key '{keyName}' is {jwk.KeyType}/{jwk.CurveName}, not an EC P-256K key.");
        }
        if (!KeyVaultKeys.TryParseKeyId(client.VaultUri, key.Id?.AbsoluteUri, out var name, out var pinned) || pinned is null)
        {
            throw new InvalidOperationException($"Key Vault returned an unexpected key id for '{keyName}'.");
        }
        var publicKey = new byte[65];
        publicKey[0] = 0x04;
        CopyLeftPadded(jwk.X, publicKey.AsSpan(1, 32), "x");
        CopyLeftPadded(jwk.Y, publicKey.AsSpan(33, 32), "y");
        return new KeyVaultDigestSigner(client.GetCryptographyClient(name, pinned), key.Id!.AbsoluteUri, publicKey);
    }

    public async Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest32, CancellationToken cancellationToken)
    {
        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }
        SignResult result;
        try
        {
            result = await _crypto.SignAsync(SignatureAlgorithm.ES256K, digest32.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(KeyVaultKeys.Service, "sign", ex);
        }
        if (result.Signature is not { Length: 64 } rs)
        {
            throw new InvalidOperationException($"Key Vault returned a {result.Signature?.Length ?? 0}-byte ES256K signature; expected 64.");
        }
        return Secp256k1.NormalizeSignature(rs.AsSpan(0, 32), rs.AsSpan(32, 32), _publicKey, digest32.Span);
    }

    private static void CopyLeftPadded(byte[]? coordinate, Span<byte> target, string name)
    {
        if (coordinate is null || coordinate.Length is 0 or > 33 || (coordinate.Length == 33 && coordinate[0] != 0))
        {
            throw new InvalidOperationException($"The key's {name} coordinate is missing or longer than 32 bytes.");
        }
        var source = coordinate.Length == 33 ? coordinate.AsSpan(1) : coordinate.AsSpan();
        target.Clear();
        source.CopyTo(target[(32 - source.Length)..]);
    }
}
