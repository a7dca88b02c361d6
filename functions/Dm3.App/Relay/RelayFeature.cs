using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.Backend.Relay;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Relay;

/// <summary>
/// The outbox relay (issue 11): <c>POST /outbox</c> and <c>GET /outbox/{id}</c> (bearer token of a profile hosted here),
/// the <c>Outbox</c> table and the <c>RelayEnvelope</c> function on the <c>outbox</c> queue. Settings: <c>OutboxQueue</c>
/// (default <c>outbox</c>), <c>Relay__MaxAttempts</c> (default 8; then failed + poison), <c>Relay__BaseDelayMs</c>
/// (default 5000) and <c>Relay__MaxDelayMs</c> (default 900000) of the exponential backoff. Depends on the delivery
/// feature (local pipeline, accounts, tokens) and the resolution feature (<c>NameResolver</c>, outbound policy).
/// </summary>
public sealed class RelayFeature : IAppFeature
{
    public const string RelayFunction = "RelayEnvelope";
    public const string OutboxQueueSetting = "OutboxQueue";
    public const string SubmitFunction = "OutboxSubmit";
    public const string SubmitRoute = "outbox";
    public const string StatusFunction = "OutboxStatus";
    public const string StatusRoute = "outbox/{id}";
    public const string MaxAttemptsSetting = "Relay__MaxAttempts";
    public const string BaseDelaySetting = "Relay__BaseDelayMs";
    public const string MaxDelaySetting = "Relay__MaxDelayMs";

    public void Describe(FunctionCatalog catalog) => catalog
        .Table(OutboxStore.LogicalTableName)
        // Idempotent by the Outbox row (a final row is never relayed again; ETag-guarded updates) and by the receiving
        // inbox's sender|messageHash key: no processed-id record.
        .Queue<RelayEnvelopeHandler>(RelayFunction, OutboxQueueSetting, "outbox", idempotent: true)
        .Http(SubmitFunction, Verb.Post, SubmitRoute, CorsPolicies.AnyOrigin)
        .Http(StatusFunction, Verb.Get, StatusRoute, CorsPolicies.AnyOrigin);

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => ReadSettings(sp.GetRequiredService<SettingsReader>()));
        services.AddSingleton(sp => new OutboxStore(sp.GetRequiredService<ITableStore>(), sp.GetRequiredService<StorageNames>().Table(OutboxStore.LogicalTableName)));
        services.AddSingleton(sp => new OutboxQueue(sp.GetRequiredService<StorageNames>().Queue(OutboxQueueSetting)));
        services.AddSingleton<OutboxSubmission>();
    }

    public void ValidateSettings(SettingsReader settings, RuntimeSettings runtime) => ReadSettings(settings);

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) => RelayEndpoints.Map(endpoints);

    internal static RelaySettings ReadSettings(SettingsReader reader) => new(
        reader.Int(MaxAttemptsSetting, 8, 1, 100),
        TimeSpan.FromMilliseconds(reader.Int(BaseDelaySetting, 5000, 1, 3_600_000)),
        TimeSpan.FromMilliseconds(reader.Int(MaxDelaySetting, 900_000, 1, 7 * 24 * 3_600_000 - 1)));
}
