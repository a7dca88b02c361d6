using Azure.Core;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Resilience;

namespace Dm3.Adapters.KeyVault;

/// <summary>The vault (<c>https://{vault}.vault.azure.net</c>) and how to authorize (bearer, scope https://vault.azure.net/.default).</summary>
public sealed record KeyVaultOptions(Uri VaultUri, IRequestAuthorizer Authorizer)
{
    public ResilienceOptions Resilience { get; init; } = ResilienceOptions.Default;

    public static KeyVaultOptions WithCredential(Uri vaultUri, TokenCredential credential) =>
        new(vaultUri, new BearerTokenAuthorizer(credential, BearerTokenAuthorizer.KeyVaultScope));
}

/// <summary>A key as Key Vault returns it (JWK fields decoded from base64url; EC coordinates as sent, not padded).</summary>
public sealed record KeyVaultKey(string KeyId, string KeyType, string? Curve, byte[]? X, byte[]? Y, byte[]? Modulus, byte[]? Exponent);

/// <summary>The result of sign / wrapKey / unwrapKey: the versioned key id that did the work and the output bytes.</summary>
public sealed record KeyOperationResult(string KeyId, byte[] Value);
