using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.Backend.Apps;
using Dm3.Backend.Ccip;
using Dm3.Backend.Names;
using Dm3.Backend.Resolution;
using Dm3.Adapters.KeyVault;
using Dm3.Backend.Signing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dm3.App.Ccip;

/// <summary>
/// The CCIP-Read gateway (<c>Gateway__Resolvers__N__Address</c> / <c>__Family=ens|dm3</c>, <c>Gateway__SignatureTtlSeconds</c>).
/// Depends on the resolver feature's <see cref="AppCatalog"/> / <see cref="NameStore"/> and on the composition root's
/// <see cref="IDigestSigner"/>.
/// </summary>
public sealed class GatewayFeature : IAppFeature
{
    public const string GetFunction = "CcipGet";
    public const string PostFunction = "CcipPost";

    public void Describe(FunctionCatalog catalog) => catalog
        .Http(GetFunction, "ccip/{sender}/{data}", new[] { "GET", "OPTIONS" })
        .Http(PostFunction, "ccip", new[] { "POST", "OPTIONS" });

    public void AddServices(IServiceCollection services)
    {
        // Fallback until/unless the composition root registers the signer (SignerComposition): a local key only.
        services.TryAddSingleton<IDigestSigner>(sp => sp.GetRequiredService<KeyMaterial>().GatewaySignerPrivateKey is { } key
            ? new LocalDigestSigner(key)
            : throw new SettingsException(KeyMaterial.GatewaySignerKeyIdSetting, "is set, but no Key Vault signer is registered by the composition root."));
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>()));
        // One hosted-record cache for the gateway and the name resolver (issue 11): a miss then costs signing only.
        services.TryAddSingleton(sp => new HostedRecordSource(
            sp.GetRequiredService<AppCatalog>(),
            sp.GetRequiredService<NameStore>(),
            sp.GetRequiredService<DeliveryServiceOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<GatewayOptions>().SignatureTtlSeconds)));
        services.AddSingleton(sp => new CcipGateway(
            sp.GetRequiredService<GatewayOptions>(),
            sp.GetRequiredService<HostedRecordSource>(),
            sp.GetRequiredService<IDigestSigner>(),
            sp.GetRequiredService<TimeProvider>()));
    }

    public void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
        var errors = CcipGateway.Validate(ReadOptions(settings.Configuration));
        if (errors.Count > 0)
        {
            throw new SettingsException(GatewayOptions.SectionName, string.Join(" ", errors));
        }
    }

    /// <summary>
    /// Maps the routes only: the signer (a Key Vault key read can take seconds) is resolved on first use, and logged by
    /// the start-up warm-up once known (<see cref="Composition.StartupWarmup"/>), so Kestrel listens first.
    /// </summary>
    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) => GatewayEndpoints.Map(endpoints);

    public static GatewayOptions ReadOptions(IConfiguration configuration) =>
        configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
}

internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "CCIP gateway signer {SignerAddress} ({KeyId}); {ResolverCount} resolver(s) configured")]
    public static partial void SignerReady(ILogger logger, string signerAddress, string keyId, int resolverCount);
}
