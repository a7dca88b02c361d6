using System.Collections.Concurrent;
using Azure.Security.KeyVault.Keys;
using Azure.Security.KeyVault.Keys.Cryptography;
using Dm3.Adapters.Sdk;
using Dm3.Backend.Signing;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// Wraps data keys with a Key Vault RSA key (RSA-OAEP-256) through the SDK's <see cref="CryptographyClient"/>. Without
/// an explicit version the latest version is looked up once and used for every wrap of this instance. The versioned
/// key id is stored with the ciphertext, and unwrap uses exactly that version, so key rotation never strands old data.
/// </summary>
public sealed class KeyVaultKeyWrapper(KeyClient client, string keyName, string? keyVersion = null) : IKeyWrapper
{
    private readonly ConcurrentDictionary<string, CryptographyClient> _versions = new(StringComparer.Ordinal);
    private string? _version = keyVersion;

    public async Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> plaintextKey, CancellationToken cancellationToken)
    {
        if (plaintextKey.Length == 0)
        {
            throw new ArgumentException("Nothing to wrap.", nameof(plaintextKey));
        }
        var version = _version ?? await ResolveVersionAsync(cancellationToken).ConfigureAwait(false);
        WrapResult result;
        try
        {
            result = await Crypto(version).WrapKeyAsync(KeyWrapAlgorithm.RsaOaep256, plaintextKey.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(KeyVaultKeys.Service, "wrapKey", ex);
        }
        if (!KeyVaultKeys.TryParseKeyId(client.VaultUri, result.KeyId, out var name, out var returnedVersion) || returnedVersion != version || name != keyName)
        {
            throw new InvalidOperationException("Key Vault returned a wrap result without the versioned key id that was asked for.");
        }
        return new WrappedKey(result.KeyId, result.EncryptedKey);
    }

    public async Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (!KeyVaultKeys.TryParseKeyId(client.VaultUri, wrapped.KeyId, out var name, out var version) || version is null || name != keyName)
        {
            throw new ArgumentException($"'{wrapped.KeyId}' is not a versioned id of key '{keyName}' in {client.VaultUri}.", nameof(wrapped));
        }
        try
        {
            var result = await Crypto(version).UnwrapKeyAsync(KeyWrapAlgorithm.RsaOaep256, wrapped.Ciphertext, cancellationToken).ConfigureAwait(false);
            return result.Key;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(KeyVaultKeys.Service, "unwrapKey", ex);
        }
    }

    private CryptographyClient Crypto(string version) =>
        _versions.GetOrAdd(version, v => client.GetCryptographyClient(keyName, v));

    private async Task<string> ResolveVersionAsync(CancellationToken cancellationToken)
    {
        var key = await KeyVaultKeys.GetKeyAsync(client, keyName, null, cancellationToken).ConfigureAwait(false);
        if (key.KeyType != KeyType.Rsa && key.KeyType != KeyType.RsaHsm)
        {
            throw new InvalidOperationException($"Key '{keyName}' is {key.KeyType}, not an RSA key.");
        }
        if (!KeyVaultKeys.TryParseKeyId(client.VaultUri, key.Id?.AbsoluteUri, out _, out var version) || version is null)
        {
            throw new InvalidOperationException($"Key Vault returned an unexpected key id for '{keyName}'.");
        }
        _version = version;
        return version;
    }
}
