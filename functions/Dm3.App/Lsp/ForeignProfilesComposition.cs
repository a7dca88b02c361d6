using Dm3.App.Resolution;
using Dm3.Backend.Lsp;
using Dm3.Backend.Resolution;
using Microsoft.Extensions.Logging;

namespace Dm3.App.Lsp;

/// <summary>
/// Main profiles hosted elsewhere, for the attestation check of <c>PUT /lsp/v1/link-records</c> (§9.2: the main
/// profile's <em>currently</em> resolved profile): the app's resolution settings and outbound policy
/// (<see cref="ResolutionFeature"/>), with the name cache off so a rotated main key is seen at once. Without
/// <c>Resolution__RpcUrl</c> only main profiles hosted here verify.
/// </summary>
internal static class ForeignProfilesComposition
{
    public static IForeignProfiles Create(IServiceProvider services)
    {
        var configured = services.GetRequiredService<ResolutionOptions>();
        if (string.IsNullOrEmpty(configured.RpcUrl))
        {
            return new NoForeignProfiles();
        }

        var uncached = new ResolutionOptions
        {
            RpcUrl = configured.RpcUrl,
            Registry = configured.Registry,
            IpfsGateway = configured.IpfsGateway,
            MaxRequestsPerResolution = configured.MaxRequestsPerResolution,
            MaxDeliveryServices = configured.MaxDeliveryServices,
            CacheMaxEntries = 0,
        };
        return new ResolverForeignProfiles(new NameResolver(
            uncached,
            services.GetRequiredService<IOutboundHttp>(),
            services.GetRequiredService<HostedRecordSource>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<NameResolver>>()));
    }
}
