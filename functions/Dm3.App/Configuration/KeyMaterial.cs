using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.App.Configuration;

/// <summary>
/// The service's key material (decisions §23: Key Vault secrets referenced from app settings in Azure; §25: from
/// local settings or env locally, else generated once into a git-ignored dev-keys file).
/// Never log these values.
/// </summary>
public sealed record KeyMaterial(
    string? GatewaySignerKeyId,
    byte[]? GatewaySignerPrivateKey,
    byte[] DeliveryServiceEncryptionPrivateKey,
    byte[] DeliveryServiceSigningPrivateKey,
    byte[] TokenSecret,
    byte[] OwnerIndexKey,
    string? DevKeysPath)
{
    public const string GatewaySignerKeyIdSetting = "Gateway__SignerKeyId";
    public const string GatewaySignerPrivateKeySetting = "Gateway__SignerPrivateKey";
    public const string EncryptionKeySetting = "DeliveryService__EncryptionPrivateKey";
    public const string SigningKeySetting = "DeliveryService__SigningPrivateKey";
    public const string TokenSecretSetting = "DeliveryService__TokenSecret";
    public const string OwnerIndexKeySetting = "Links__OwnerIndexKey";
    public const string DevKeysEnabledSetting = "DevKeys__Enabled";
    public const string DevKeysPathSetting = "DevKeys__Path";

    /// <summary>The X25519 public key of <see cref="DeliveryServiceEncryptionPrivateKey"/>.</summary>
    public byte[] DeliveryServiceEncryptionPublicKey => X25519.PublicKeyFromPrivate(DeliveryServiceEncryptionPrivateKey);

    /// <summary>The Ed25519 public key (last 32 bytes of the libsodium-layout private key).</summary>
    public byte[] DeliveryServiceSigningPublicKey => DeliveryServiceSigningPrivateKey[32..];

    /// <summary>No secrets in diagnostics output.</summary>
    public override string ToString() => $"KeyMaterial {{ GatewaySignerKeyId = {GatewaySignerKeyId}, DevKeysPath = {DevKeysPath} }}";

    /// <summary>
    /// Reads the key settings. Missing values come from the dev-keys file when dev keys are enabled (default: on in
    /// standalone mode, off behind the Functions host), otherwise the first missing one is a <see cref="SettingsException"/>.
    /// </summary>
    public static KeyMaterial Read(SettingsReader reader, bool functionsWorker, string contentRoot)
    {
        var devEnabled = reader.Bool(DevKeysEnabledSetting, !functionsWorker);
        var devPath = Path.GetFullPath(reader.String(DevKeysPathSetting, Path.Combine(".dev-keys", "dev-keys.json")), contentRoot);
        Dictionary<string, string>? dev = null;
        string? Fallback(string setting)
        {
            if (!devEnabled)
            {
                return null;
            }
            dev ??= DevKeysFile.LoadOrCreate(devPath);
            return dev.TryGetValue(setting, out var value) ? value : null;
        }

        var keyId = reader.OptionalString(GatewaySignerKeyIdSetting);
        byte[]? signer = reader.OptionalHexKey(GatewaySignerPrivateKeySetting, 32);
        if (keyId is not null && reader.Raw("KeyVault__VaultUri") is null && !Uri.TryCreate(keyId, UriKind.Absolute, out _))
        {
            throw new SettingsException("KeyVault__VaultUri", $"is required when {GatewaySignerKeyIdSetting} names a key rather than a full key URI.");
        }
        if (keyId is null && signer is null)
        {
            signer = FromFallback(GatewaySignerPrivateKeySetting, Fallback, text => Hex.TryDecode(text, out var b, requirePrefix: false) && b.Length == 32 ? b : null);
        }
        if (signer is not null && !Secp256k1.IsValidPrivateKey(signer))
        {
            throw new SettingsException(GatewaySignerPrivateKeySetting, "is not a valid secp256k1 private key (the value is not shown).");
        }

        var encryption = reader.OptionalBase64Key(EncryptionKeySetting, 32)
            ?? FromFallback(EncryptionKeySetting, Fallback, text => Base64(text, 32));
        var signing = reader.OptionalBase64Key(SigningKeySetting, 32, 64)
            ?? FromFallback(SigningKeySetting, Fallback, text => Base64(text, 64));
        signing = ExpandEd25519(signing);
        var token = reader.OptionalBase64Key(TokenSecretSetting, 32, 48, 64)
            ?? FromFallback(TokenSecretSetting, Fallback, text => Base64(text, 32));
        var ownerIndex = reader.OptionalBase64Key(OwnerIndexKeySetting, 32, 64)
            ?? FromFallback(OwnerIndexKeySetting, Fallback, text => Base64(text, 32));

        return new KeyMaterial(keyId, signer, encryption, signing, token, ownerIndex, devEnabled ? devPath : null);

        static byte[] ExpandEd25519(byte[] key)
        {
            var (full, _) = Ed25519.KeyPairFromSeed(key.AsSpan(0, 32));
            if (key.Length == 64 && !CryptographicOperations.FixedTimeEquals(full, key))
            {
                throw new SettingsException(SigningKeySetting, "is a 64-byte Ed25519 key whose public half does not match its seed (the value is not shown).");
            }
            return full;
        }
    }

    private static byte[] FromFallback(string setting, Func<string, string?> fallback, Func<string, byte[]?> decode)
    {
        var text = fallback(setting) ?? throw new SettingsException(setting, "is required but not set (dev keys are only generated in standalone mode or with DevKeys__Enabled=true).");
        return decode(text) ?? throw new SettingsException(setting, "in the dev-keys file is malformed; delete the file to regenerate it.");
    }

    private static byte[]? Base64(string text, int length) =>
        Base64Std.TryDecode(text, out var bytes) && bytes.Length == length ? bytes : null;
}

/// <summary>The git-ignored dev-keys file: a JSON object of setting name → value, generated on first use.</summary>
internal static class DevKeysFile
{
    public static Dictionary<string, string> LoadOrCreate(string path)
    {
        var existing = TryLoad(path);
        if (existing is not null && HasAll(existing))
        {
            return existing;
        }
        var values = existing ?? new Dictionary<string, string>(StringComparer.Ordinal);
        Generate(values);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var json = new JsonObject();
        foreach (var (k, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json[k] = v;
        }
        File.WriteAllText(temp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        try
        {
            // Another process may have created the file meanwhile: first writer wins, everyone reads the same keys.
            File.Move(temp, path, overwrite: existing is not null);
        }
        catch (IOException)
        {
            File.Delete(temp);
            return TryLoad(path) ?? throw new SettingsException(KeyMaterial.DevKeysPathSetting, $"points to an unreadable dev-keys file '{path}'.");
        }
        return values;
    }

    private static bool HasAll(Dictionary<string, string> values) =>
        values.ContainsKey(KeyMaterial.GatewaySignerPrivateKeySetting)
        && values.ContainsKey(KeyMaterial.EncryptionKeySetting)
        && values.ContainsKey(KeyMaterial.SigningKeySetting)
        && values.ContainsKey(KeyMaterial.TokenSecretSetting)
        && values.ContainsKey(KeyMaterial.OwnerIndexKeySetting);

    private static void Generate(Dictionary<string, string> values)
    {
        if (!values.ContainsKey(KeyMaterial.GatewaySignerPrivateKeySetting))
        {
            byte[] key;
            do
            {
                key = RandomNumberGenerator.GetBytes(32);
            }
            while (!Secp256k1.IsValidPrivateKey(key));
            values[KeyMaterial.GatewaySignerPrivateKeySetting] = Hex.Encode(key);
        }
        values.TryAdd(KeyMaterial.EncryptionKeySetting, Convert.ToBase64String(X25519.GenerateKeyPair().PrivateKey32));
        values.TryAdd(KeyMaterial.SigningKeySetting, Convert.ToBase64String(Ed25519.KeyPairFromSeed(RandomNumberGenerator.GetBytes(32)).PrivateKey64));
        values.TryAdd(KeyMaterial.TokenSecretSetting, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        values.TryAdd(KeyMaterial.OwnerIndexKeySetting, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    private static Dictionary<string, string>? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (node is null)
            {
                return null;
            }
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in node)
            {
                if (v is JsonValue value && value.TryGetValue<string>(out var text))
                {
                    result[k] = text;
                }
            }
            return result;
        }
        catch (JsonException)
        {
            throw new SettingsException(KeyMaterial.DevKeysPathSetting, $"points to a dev-keys file that is not valid JSON ('{path}'); delete it to regenerate.");
        }
    }
}
