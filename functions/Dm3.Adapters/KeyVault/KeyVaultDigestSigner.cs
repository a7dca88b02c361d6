using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// An Ethereum-style signer backed by a Key Vault EC key on curve P-256K (secp256k1). The key version is pinned when the
/// signer is created (the address must not change under a running process). Key Vault returns raw r‖s with possibly high s
/// and no recovery id; the signature is normalised to low s and v ∈ {27, 28} by trial recovery against the public key.
/// </summary>
public sealed class KeyVaultDigestSigner : IDigestSigner
{
    public const string Algorithm = "ES256K";

    private readonly KeyVaultClient _client;
    private readonly string _name;
    private readonly string _version;
    private readonly byte[] _publicKey;
    private readonly byte[] _address;

    private KeyVaultDigestSigner(KeyVaultClient client, string name, string version, string keyId, byte[] publicKey65)
    {
        _client = client;
        _name = name;
        _version = version;
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
    public static async Task<KeyVaultDigestSigner> CreateAsync(KeyVaultClient client, string keyName, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var key = await client.GetKeyAsync(keyName, version, cancellationToken).ConfigureAwait(false);
        if (key.KeyType is not ("EC" or "EC-HSM") || key.Curve != "P-256K")
        {
            throw new InvalidOperationException($"Key '{keyName}' is {key.KeyType}/{key.Curve}, not an EC P-256K key.");
        }
        if (!client.TryParseKeyId(key.KeyId, out var name, out var pinned) || pinned is null)
        {
            throw new InvalidOperationException($"Key Vault returned an unexpected key id for '{keyName}'.");
        }
        var publicKey = new byte[65];
        publicKey[0] = 0x04;
        CopyLeftPadded(key.X, publicKey.AsSpan(1, 32), "x");
        CopyLeftPadded(key.Y, publicKey.AsSpan(33, 32), "y");
        return new KeyVaultDigestSigner(client, name, pinned, key.KeyId, publicKey);
    }

    public async Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest32, CancellationToken cancellationToken)
    {
        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }
        var result = await _client.SignAsync(_name, _version, Algorithm, digest32, cancellationToken).ConfigureAwait(false);
        if (result.Value.Length != 64)
        {
            throw new InvalidOperationException($"Key Vault returned a {result.Value.Length}-byte ES256K signature; expected 64.");
        }
        return Secp256k1.NormalizeSignature(result.Value.AsSpan(0, 32), result.Value.AsSpan(32, 32), _publicKey, digest32.Span);
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
