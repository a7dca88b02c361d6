using Azure.Security.KeyVault.Keys;
using Dm3.Adapters.KeyVault;
using Dm3.App.Configuration;
using Dm3.Backend.Signing;
using Microsoft.Extensions.Azure;

namespace Dm3.App.Composition;

/// <summary>
/// The gateway signer: Key Vault ES256K when <c>Gateway__SignerKeyId</c> is set (a key URI, or a key name in
/// <c>KeyVault__VaultUri</c>), else a local key (<c>Gateway__SignerPrivateKey</c>, or the generated dev key).
/// The Key Vault signer reads its key lazily (<see cref="DeferredDigestSigner"/>).
/// The escrow key wrapper: Key Vault RSA-OAEP-256 when <c>Escrow__WrappingKeyId</c> is set.
/// </summary>
internal static class SignerComposition
{
    public const string EscrowWrappingKeyIdSetting = "Escrow__WrappingKeyId";

    public static void AddSigner(IServiceCollection services)
    {
        // One KeyClient (Azure.Security.KeyVault.Keys) for the vault, created on first use: only a Key Vault signer or
        // key wrapper asks for it. Its CryptographyClients share its pipeline and credential.
        services.AddAzureClients(clients => clients.AddClient<KeyClient, KeyClientOptions>((options, credential, sp) =>
        {
            var settings = sp.GetRequiredService<RuntimeSettings>();
            return new KeyClient(Vault(settings, sp.GetRequiredService<KeyMaterial>(), sp.GetRequiredService<SettingsReader>()), credential, options);
        }).WithVersion(KeyVaultKeys.Version).WithCredential(sp =>
        {
            var clientId = sp.GetRequiredService<RuntimeSettings>().KeyVault.ClientId;
            return ServiceRegistration.Credential(clientId, managedIdentity: clientId is not null);
        }));
        services.AddSingleton<IDigestSigner>(sp =>
        {
            var keys = sp.GetRequiredService<KeyMaterial>();
            if (keys.GatewaySignerKeyId is not { } keyId)
            {
                return new LocalDigestSigner(keys.GatewaySignerPrivateKey!);
            }
            // The public key is read on first use or by the warm-up after Kestrel listens (StartupWarmup), never
            // during start-up; the signer then pins that key version. The Key Vault client (and Azure.Identity) is
            // created only then too.
            return new DeferredDigestSigner(keyId, async ct =>
            {
                var client = sp.GetRequiredService<KeyClient>();
                var (name, version) = ParseKeyId(client, keyId, KeyMaterial.GatewaySignerKeyIdSetting);
                return await KeyVaultDigestSigner.CreateAsync(client, name, version, ct).ConfigureAwait(false);
            });
        });
        services.AddSingleton<IKeyWrapper>(sp =>
        {
            var keyId = sp.GetRequiredService<SettingsReader>().OptionalString(EscrowWrappingKeyIdSetting);
            if (keyId is null && sp.GetRequiredService<KeyMaterial>().DevKeysPath is { } devKeys)
            {
                // Dev: a local RSA-3072 key next to the dev keys (decisions §25), generated on first use.
                return LocalKeyWrapper.LoadOrCreate(Path.Combine(Path.GetDirectoryName(devKeys)!, "escrow-wrapping-key.pem"));
            }
            if (keyId is null)
            {
                throw new SettingsException(EscrowWrappingKeyIdSetting, "is required for key escrow (a Key Vault RSA key id).");
            }
            var client = sp.GetRequiredService<KeyClient>();
            var (name, version) = ParseKeyId(client, keyId, EscrowWrappingKeyIdSetting);
            return new KeyVaultKeyWrapper(client, name, version);
        });
    }

    /// <summary>
    /// Start-up validation of the Key Vault signer settings without touching the network (or creating a credential):
    /// the vault is known and <c>Gateway__SignerKeyId</c> is a key URI of that vault or a bare key name.
    /// </summary>
    public static void Validate(RuntimeSettings settings, KeyMaterial keys, SettingsReader reader)
    {
        if (keys.GatewaySignerKeyId is not { } keyId)
        {
            return;
        }
        var vault = Vault(settings, keys, reader);
        var isName = !keyId.Contains('/', StringComparison.Ordinal) && !keyId.Contains(':', StringComparison.Ordinal);
        var isKeyUri = keyId.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && KeyVaultKeys.TryParseKeyId(vault, keyId, out _, out _);
        if (!isName && !isKeyUri)
        {
            throw new SettingsException(KeyMaterial.GatewaySignerKeyIdSetting, $"must be a key id https://<vault>/keys/<name>[/<version>] of {vault} or a key name.");
        }
    }

    private static Uri Vault(RuntimeSettings settings, KeyMaterial keys, SettingsReader reader) =>
        settings.KeyVault.VaultUri ?? VaultOf(keys.GatewaySignerKeyId) ?? VaultOf(reader.OptionalString(EscrowWrappingKeyIdSetting))
        ?? throw new SettingsException("KeyVault__VaultUri", "is required to use Key Vault keys.");

    private static (string Name, string? Version) ParseKeyId(KeyClient client, string keyId, string setting)
    {
        if (KeyVaultKeys.TryParseKeyId(client.VaultUri, keyId, out var name, out var version))
        {
            return (name, version);
        }
        if (!keyId.Contains('/', StringComparison.Ordinal) && !keyId.Contains(':', StringComparison.Ordinal))
        {
            return (keyId, null); // a bare key name in KeyVault__VaultUri
        }
        throw new SettingsException(setting, $"must be a key id https://<vault>/keys/<name>[/<version>] of {client.VaultUri} or a key name.");
    }

    private static Uri? VaultOf(string? keyId) =>
        Uri.TryCreate(keyId, UriKind.Absolute, out var uri) && uri.Scheme == "https" ? new Uri(uri.GetLeftPart(UriPartial.Authority)) : null;
}
