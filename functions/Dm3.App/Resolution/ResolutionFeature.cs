using Dm3.Adapters.Outbound;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.Backend.Ccip;
using Dm3.Backend.Resolution;

namespace Dm3.App.Resolution;

/// <summary>
/// Name resolution for any name (issue 11): <see cref="NameResolver"/> over <see cref="PolicyHttpClient"/> (the outbound
/// policy of decisions §36). Settings: <c>Resolution__RpcUrl</c> (Ethereum JSON-RPC; unset = hosted names only, every
/// foreign name answers <c>resolution.no_rpc</c>), <c>Resolution__Registry</c> (ENS registry, mainnet by default),
/// <c>Resolution__IpfsGateway</c>, <c>Resolution__CacheTtlSeconds</c> / <c>__NegativeCacheTtlSeconds</c> /
/// <c>__CacheMaxEntries</c>, <c>Resolution__MaxRequestsPerResolution</c>, <c>Resolution__MaxDeliveryServices</c>;
/// <c>Outbound__AllowHttp</c> and <c>Outbound__AllowPrivateAddresses</c> (tests and local runs only),
/// <c>Outbound__MaxResponseBytes</c>, <c>__ConnectTimeoutSeconds</c>, <c>__RequestTimeoutSeconds</c>, <c>__MaxRedirects</c>.
/// Uses the gateway feature's <see cref="HostedRecordSource"/> for names hosted here. No routes.
/// </summary>
public sealed class ResolutionFeature : IAppFeature
{
    public void Describe(FunctionCatalog catalog)
    {
    }

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => ReadResolution(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => ReadOutbound(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IOutboundHttp>(sp => new PolicyHttpClient(sp.GetRequiredService<OutboundPolicyOptions>()));
        services.AddSingleton(sp => new NameResolver(
            sp.GetRequiredService<ResolutionOptions>(),
            sp.GetRequiredService<IOutboundHttp>(),
            sp.GetRequiredService<HostedRecordSource>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NameResolver>>()));
    }

    public void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
        var errors = ReadResolution(settings.Configuration).Validate();
        if (errors.Count > 0)
        {
            throw new SettingsException(ResolutionOptions.SectionName, string.Join(" ", errors));
        }

        var outbound = ReadOutbound(settings.Configuration);
        if (outbound.MaxResponseBytes < 1024 || outbound.ConnectTimeoutSeconds < 1 || outbound.RequestTimeoutSeconds < 1 || outbound.MaxRedirects < 0)
        {
            throw new SettingsException(OutboundPolicyOptions.SectionName, "needs MaxResponseBytes ≥ 1024, timeouts ≥ 1 s and MaxRedirects ≥ 0.");
        }
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime)
    {
    }

    internal static ResolutionOptions ReadResolution(IConfiguration configuration) =>
        configuration.GetSection(ResolutionOptions.SectionName).Get<ResolutionOptions>() ?? new ResolutionOptions();

    internal static OutboundPolicyOptions ReadOutbound(IConfiguration configuration) =>
        configuration.GetSection(OutboundPolicyOptions.SectionName).Get<OutboundPolicyOptions>() ?? new OutboundPolicyOptions();
}
