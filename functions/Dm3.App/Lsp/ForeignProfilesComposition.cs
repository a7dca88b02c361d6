using Dm3.Adapters.Outbound;
using Dm3.App.Configuration;
using Dm3.Backend.Lsp;
using Dm3.Backend.Resolution;

namespace Dm3.App.Lsp;

/// <summary>
/// Main profiles hosted elsewhere, for the attestation check of <c>PUT /lsp/v1/link-records</c>: ENS through
/// <c>Resolution__RpcUrl</c> / <c>Resolution__Registry</c> with the outbound policy <c>Outbound__AllowHttp</c> /
/// <c>Outbound__AllowPrivateAddresses</c> (local chains only). Without an RPC URL only hosted main profiles verify.
/// </summary>
internal static class ForeignProfilesComposition
{
    public static IForeignProfiles Create(SettingsReader settings)
    {
        if (settings.OptionalString("Resolution__RpcUrl") is not { } rpc)
        {
            return new NoForeignProfiles();
        }

        var options = new ResolutionOptions
        {
            RpcUrl = rpc,
            Registry = settings.String("Resolution__Registry", Protocol.Ens.Ensip10.MainnetRegistry),
            CacheMaxEntries = 0,
        };
        var policy = new OutboundPolicyOptions
        {
            AllowHttp = settings.Bool("Outbound__AllowHttp", false),
            AllowPrivateAddresses = settings.Bool("Outbound__AllowPrivateAddresses", false),
        };
        return new ResolverForeignProfiles(new NameResolver(options, new PolicyHttpClient(policy), hosted: null, TimeProvider.System));
    }
}
