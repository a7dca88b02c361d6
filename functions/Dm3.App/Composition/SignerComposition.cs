using Dm3.Adapters.KeyVault;
using Dm3.App.Configuration;
using Dm3.Backend.Signing;

namespace Dm3.App.Composition;

/// <summary>
/// The gateway signer: Key Vault ES256K when <c>Gateway__SignerKeyId</c> is set (a key URI, or a key name in
/// <c>KeyVault__VaultUri</c>), else a local key (<c>Gateway__SignerPrivateKey</c>, or the generated dev key).
/// The escrow key wrapper: Key Vault RSA-OAEP-256 when <c>Escrow__WrappingKeyId</c> is set.
/// </summary>
internal static class SignerComposition
{
    public const string EscrowWrappingKeyIdSetting = "Escrow__WrappingKeyId";

    private static readonly TimeSpan KeyReadTimeout = TimeSpan.FromSeconds(20);

    public static void AddSigner(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<RuntimeSettings>();
            var keys = sp.GetRequiredService<KeyMaterial>();
            var vault = settings.KeyVault.VaultUri ?? VaultOf(keys.GatewaySignerKeyId)
                ?? VaultOf(sp.GetRequiredService<SettingsReader>().OptionalString(EscrowWrappingKeyIdSetting))
                ?? throw new SettingsException("KeyVault__VaultUri", "is required to use Key Vault keys.");
            return new KeyVaultClient(sp.GetRequiredService<HttpClient>(),
                KeyVaultOptions.WithCredential(vault, ServiceRegistration.Credential(settings.KeyVault.ClientId, managedIdentity: settings.KeyVault.ClientId is not null)));
        });
        services.AddSingleton<IDigestSigner>(sp =>
        {
            var keys = sp.GetRequiredService<KeyMaterial>();
            if (keys.GatewaySignerKeyId is not { } keyId)
            {
                return new LocalDigestSigner(keys.GatewaySignerPrivateKey!);
            }
            var client = sp.GetRequiredService<KeyVaultClient>();
            var (name, version) = ParseKeyId(client, keyId, KeyMaterial.GatewaySignerKeyIdSetting);
            // Reads the public key once at start-up (the signer pins that key version).
            return KeyVaultDigestSigner.CreateAsync(client, name, version, CancellationToken.None).WaitAsync(KeyReadTimeout).GetAwaiter().GetResult();
        });
        services.AddSingleton<IKeyWrapper>(sp =>
        {
            var keyId = sp.GetRequiredService<SettingsReader>().OptionalString(EscrowWrappingKeyIdSetting)
                ?? throw new SettingsException(EscrowWrappingKeyIdSetting, "is required for key escrow (a Key Vault RSA key id).");
            var client = sp.GetRequiredService<KeyVaultClient>();
            var (name, version) = ParseKeyId(client, keyId, EscrowWrappingKeyIdSetting);
            return new KeyVaultKeyWrapper(client, name, version);
        });
    }

    private static (string Name, string? Version) ParseKeyId(KeyVaultClient client, string keyId, string setting)
    {
        if (client.TryParseKeyId(keyId, out var name, out var version))
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
