using System.Runtime.CompilerServices;
using Azure.Core;

namespace Dm3.App.Composition;

/// <summary>
/// A <see cref="TokenCredential"/> that creates the real one (Azure.Identity: ManagedIdentityCredential or
/// DefaultAzureCredential) on the first token request. The adapters are built while the host starts (the storage
/// initializer and the queue pump take them in their constructors); with this, Azure.Identity and MSAL are loaded and
/// initialised on the first call to Azure, not before Kestrel listens.
/// </summary>
internal sealed class DeferredCredential(Func<TokenCredential> create) : TokenCredential
{
    private readonly Lazy<TokenCredential> _credential = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public bool IsCreated => _credential.IsValueCreated;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        _credential.Value.GetToken(requestContext, cancellationToken);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        _credential.Value.GetTokenAsync(requestContext, cancellationToken);

    /// <summary>The Functions connection convention (see <see cref="ServiceRegistration.Credential"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // keeps Azure.Identity out of the callers' code until a token is needed
    internal static TokenCredential CreateIdentityCredential(string? clientId, bool managedIdentity)
    {
        if (managedIdentity)
        {
            return new Azure.Identity.ManagedIdentityCredential(clientId is null
                ? Azure.Identity.ManagedIdentityId.SystemAssigned
                : Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
        return new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
