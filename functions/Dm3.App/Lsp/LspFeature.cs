using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.Backend.Lsp;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Lsp;

/// <summary>
/// The linked-profile API under <c>/lsp/v1</c> (linked-profiles §5–§7, §9.3, §11, §12, §16): nonces, owner sessions,
/// the private owner index with key escrow, and link records; the <c>LspSweeper</c> and <c>EscrowRewrap</c> timers.
/// Keys: <c>Links__OwnerIndexKey</c> (K_index, via <see cref="KeyMaterial"/>), the escrow wrapping key
/// (<c>Escrow__WrappingKeyId</c>, or a local dev key). Rate limits per app: <c>Apps__N__LspLimits__…</c>; CORS: the
/// <see cref="CorsPolicies.AppOrigins"/> policy (every app's <c>AllowedOrigins</c>). Depends on the resolver feature (apps, names, nonces) and the delivery feature (accounts).
/// </summary>
public sealed class LspFeature : IAppFeature
{
    public const string SweeperFunction = "LspSweeper";
    public const string SweeperScheduleSetting = "LspSweeperSchedule";
    public const string RewrapFunction = "EscrowRewrap";
    public const string RewrapScheduleSetting = "EscrowRewrapSchedule";

    public const string NonceFunction = "LspIssueNonce";
    public const string NonceRoute = "lsp/v1/nonces";
    public const string SessionFunction = "LspOpenSession";
    public const string SessionRoute = "lsp/v1/sessions";
    public const string QueryFunction = "LspQueryProfiles";
    public const string QueryRoute = "lsp/v1/profiles/query";
    public const string RegisterFunction = "LspRegisterProfile";
    public const string RegisterRoute = "lsp/v1/profiles";
    public const string DeleteFunction = "LspDeleteProfile";
    public const string DeleteRoute = "lsp/v1/profiles/{lspName}";
    public const string PublishLinkFunction = "LspPublishLinkRecord";
    public const string UnpublishLinkFunction = "LspUnpublishLinkRecord";
    public const string LinkRecordRoute = "lsp/v1/link-records/{lspName}";

    public void Describe(FunctionCatalog catalog) => catalog
        .Table(LspTableNames.Sessions)
        .Table(LspTableNames.OwnerIndex)
        .Table(LspTableNames.RateCounters)
        .Timer<LspSweeperHandler>(SweeperFunction, SweeperScheduleSetting, "0 */15 * * * *")
        .Timer<EscrowRewrapHandler>(RewrapFunction, RewrapScheduleSetting, "0 30 3 * * *")
        .Http(NonceFunction, Verb.Post, NonceRoute, CorsPolicies.AppOrigins)
        .Http(SessionFunction, Verb.Post, SessionRoute, CorsPolicies.AppOrigins)
        .Http(QueryFunction, Verb.Post, QueryRoute, CorsPolicies.AppOrigins)
        .Http(RegisterFunction, Verb.Post, RegisterRoute, CorsPolicies.AppOrigins)
        .Http(DeleteFunction, Verb.Delete, DeleteRoute, CorsPolicies.AppOrigins)
        .Http(PublishLinkFunction, Verb.Put, LinkRecordRoute, CorsPolicies.AppOrigins)
        .Http(UnpublishLinkFunction, Verb.Delete, LinkRecordRoute, CorsPolicies.AppOrigins);

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var names = sp.GetRequiredService<StorageNames>();
            return new LspStorage(sp.GetRequiredService<ITableStore>(), names.Table(LspTableNames.Sessions), names.Table(LspTableNames.OwnerIndex),
                names.Table(LspTableNames.RateCounters));
        });
        services.AddSingleton(sp => new OwnerIndexKey(sp.GetRequiredService<KeyMaterial>().OwnerIndexKey));
        services.AddSingleton<LspSessionStore>();
        services.AddSingleton<LspSessionAuth>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<OwnerIndex>();
        services.AddSingleton<EscrowSealer>();
        services.AddSingleton<IssueLspNonceHandler>();
        services.AddSingleton<OpenSessionHandler>();
        services.AddSingleton<QueryLspsHandler>();
        services.AddSingleton<RegisterLspHandler>();
        services.AddSingleton<DeleteLspHandler>();
        services.AddSingleton<LinkRecordsHandler>();
        services.AddSingleton<IForeignProfiles>(ForeignProfilesComposition.Create);
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) => LspEndpoints.Map(endpoints);
}
