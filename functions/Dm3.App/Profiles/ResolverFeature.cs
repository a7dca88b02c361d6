using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Profiles;

/// <summary>
/// The offchain resolver: apps and names (<c>Apps__N__…</c>), the Names and Nonces tables, and the routes under
/// <c>/resolver</c>. Also registers the pieces the gateway and later features share: <see cref="AppCatalog"/>,
/// <see cref="NameStore"/>, <see cref="NonceService"/>, <see cref="WalletProofVerifier"/>, <see cref="DeliveryServiceOptions"/>.
/// </summary>
public sealed class ResolverFeature : IAppFeature
{
    public const string ClaimFunction = "ResolverClaimAddress";
    public const string ClaimRoute = "resolver/profile/address";
    public const string GetFunction = "ResolverGetProfile";
    public const string GetRoute = "resolver/profile/{address}";
    public const string DeleteFunction = "ResolverDeleteProfile";
    public const string DeleteRoute = "resolver/profile/{name}";
    public const string NonceFunction = "ResolverIssueNonce";
    public const string NonceRoute = "resolver/nonces";
    public const string AppsSection = "Apps";

    /// <summary>The backend's public base URL (infra's <c>PublicBaseUrl</c>); the DS profile's URL unless <c>DeliveryService__Url</c> is set.</summary>
    public const string PublicBaseUrlSetting = "PublicBaseUrl";

    public void Describe(FunctionCatalog catalog) => catalog
        .Table(NameStore.DefaultTableName)
        .Table(NonceService.DefaultTableName)
        .Http(ClaimFunction, Verb.Post, ClaimRoute, CorsPolicies.AnyOrigin)
        .Http(GetFunction, Verb.Get, GetRoute, CorsPolicies.AnyOrigin)
        .Http(DeleteFunction, Verb.Delete, DeleteRoute, CorsPolicies.AnyOrigin)
        .Http(NonceFunction, Verb.Post, NonceRoute, CorsPolicies.AnyOrigin);

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => AppCatalog.Create(ReadApps(sp.GetRequiredService<IConfiguration>())));
        services.AddSingleton(sp => new NameStore(sp.GetRequiredService<ITableStore>(), sp.GetRequiredService<StorageNames>().Table(NameStore.DefaultTableName)));
        services.AddSingleton(sp => new NonceService(
            sp.GetRequiredService<ITableStore>(), sp.GetRequiredService<AppCatalog>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<StorageNames>().Table(NonceService.DefaultTableName)));
        services.AddSingleton<WalletProofVerifier>();
        services.AddSingleton<ClaimAddressHandler>();
        services.AddSingleton<GetProfileHandler>();
        services.AddSingleton<DeleteProfileHandler>();
        services.AddSingleton(sp => ReadDeliveryService(sp.GetRequiredService<IConfiguration>(), sp.GetService<KeyMaterial>));
    }

    public void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
        if (!AppCatalog.TryCreate(ReadApps(settings.Configuration), out _, out var errors))
        {
            throw new SettingsException(AppsSection, string.Join(" ", errors));
        }
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) => ResolverEndpoints.Map(endpoints);

    /// <summary>Binds <c>Apps:N:…</c> (env <c>Apps__0__ParentName</c>, …).</summary>
    public static AppCatalogOptions ReadApps(IConfiguration configuration) =>
        new() { Apps = configuration.GetSection(AppsSection).Get<List<AppOptions>>() ?? [] };

    /// <summary>Binds <c>DeliveryService:Url</c> and the public keys; missing keys come from the configured private keys.</summary>
    public static DeliveryServiceOptions ReadDeliveryService(IConfiguration configuration, Func<KeyMaterial?> keys)
    {
        var options = configuration.GetSection(DeliveryServiceOptions.SectionName).Get<DeliveryServiceOptions>() ?? new DeliveryServiceOptions();
        options.Url ??= configuration[PublicBaseUrlSetting]?.TrimEnd('/');
        if (string.IsNullOrWhiteSpace(options.PublicSigningKey) || string.IsNullOrWhiteSpace(options.PublicEncryptionKey))
        {
            if (keys() is { } material)
            {
                options.PublicSigningKey ??= Convert.ToBase64String(material.DeliveryServiceSigningPublicKey);
                options.PublicEncryptionKey ??= Convert.ToBase64String(material.DeliveryServiceEncryptionPublicKey);
            }
        }

        return options;
    }
}
