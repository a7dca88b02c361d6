using Dm3.Backend.Signing;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// Wraps data keys with a Key Vault RSA key (RSA-OAEP-256). Without an explicit version the latest version is looked up
/// once and used for every wrap of this instance (wrapKey is addressed as <c>/keys/{name}/{version}/wrapkey</c>). The
/// versioned key id returned by wrapKey is stored with the ciphertext, and unwrap uses exactly that version, so key
/// rotation never strands old data.
/// </summary>
public sealed class KeyVaultKeyWrapper(KeyVaultClient client, string keyName, string? keyVersion = null) : IKeyWrapper
{
    public const string Algorithm = "RSA-OAEP-256";

    private string? _version = keyVersion;

    public async Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> plaintextKey, CancellationToken cancellationToken)
    {
        if (plaintextKey.Length == 0)
        {
            throw new ArgumentException("Nothing to wrap.", nameof(plaintextKey));
        }
        var version = _version ?? await ResolveVersionAsync(cancellationToken).ConfigureAwait(false);
        var result = await client.WrapKeyAsync(keyName, version, Algorithm, plaintextKey, cancellationToken).ConfigureAwait(false);
        if (!client.TryParseKeyId(result.KeyId, out _, out var returnedVersion) || returnedVersion is null)
        {
            throw new InvalidOperationException("Key Vault returned a wrap result without a versioned key id.");
        }
        return new WrappedKey(result.KeyId, result.Value);
    }

    public async Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (!client.TryParseKeyId(wrapped.KeyId, out var name, out var version) || version is null || name != keyName)
        {
            throw new ArgumentException($"'{wrapped.KeyId}' is not a versioned id of key '{keyName}' in {client.VaultUri}.", nameof(wrapped));
        }
        var result = await client.UnwrapKeyAsync(name, version, Algorithm, wrapped.Ciphertext, cancellationToken).ConfigureAwait(false);
        return result.Value;
    }

    private async Task<string> ResolveVersionAsync(CancellationToken cancellationToken)
    {
        var key = await client.GetKeyAsync(keyName, null, cancellationToken).ConfigureAwait(false);
        if (key.KeyType is not ("RSA" or "RSA-HSM"))
        {
            throw new InvalidOperationException($"Key '{keyName}' is {key.KeyType}, not an RSA key.");
        }
        if (!client.TryParseKeyId(key.KeyId, out _, out var version) || version is null)
        {
            throw new InvalidOperationException($"Key Vault returned an unexpected key id for '{keyName}'.");
        }
        _version = version;
        return version;
    }
}
