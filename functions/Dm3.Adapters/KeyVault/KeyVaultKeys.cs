using Azure.Security.KeyVault.Keys;
using Dm3.Adapters.Http;
using Dm3.Adapters.Sdk;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// Options and key-id rules shared by the Key Vault signer and key wrapper (Azure.Security.KeyVault.Keys 4.8.0).
/// Requests always go to the configured vault: a key id is accepted only when it names a key of that vault.
/// </summary>
public static class KeyVaultKeys
{
    /// <summary>The Key Vault REST version used (the SDK's newest in 4.8.0).</summary>
    public static KeyClientOptions.ServiceVersion Version => KeyClientOptions.ServiceVersion.V7_6;

    /// <summary>
    /// Client options with <paramref name="retry"/> applied. <paramref name="disableChallengeResourceVerification"/> is
    /// for loopback test vaults only (their host is not a Key Vault domain).
    /// </summary>
    public static KeyClientOptions CreateOptions(AdapterRetry? retry = null, bool disableChallengeResourceVerification = false) =>
        (retry ?? AdapterRetry.Default).ApplyTo(new KeyClientOptions(Version) { DisableChallengeResourceVerification = disableChallengeResourceVerification });

    /// <summary>
    /// Splits a key id <c>https://{vault}/keys/{name}[/{version}]</c> of <paramref name="vault"/> into name and version.
    /// False for another vault, another collection or a malformed id.
    /// </summary>
    public static bool TryParseKeyId(Uri vault, string? keyId, out string name, out string? version)
    {
        ArgumentNullException.ThrowIfNull(vault);
        name = "";
        version = null;
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), vault.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length is < 2 or > 3 || segments[0] != "keys" || !IsValidName(segments[1]) || (segments.Length == 3 && !IsValidName(segments[2])))
        {
            return false;
        }
        name = segments[1];
        version = segments.Length == 3 ? segments[2] : null;
        return true;
    }

    internal static bool IsValidName(string? text) =>
        text is { Length: > 0 and <= 127 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    internal static void ValidateName(string name, string? version)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Key Vault key name.", nameof(name));
        }
        if (version is not null && !IsValidName(version))
        {
            throw new ArgumentException($"'{version}' is not a valid Key Vault key version.", nameof(version));
        }
    }

    /// <summary>Reads a key; SDK failures become <see cref="RemoteServiceException"/>.</summary>
    internal static async Task<KeyVaultKey> GetKeyAsync(KeyClient client, string name, string? version, CancellationToken cancellationToken)
    {
        ValidateName(name, version);
        try
        {
            return (await client.GetKeyAsync(name, version, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "get key", ex);
        }
    }

    internal const string Service = "Key Vault";
}
