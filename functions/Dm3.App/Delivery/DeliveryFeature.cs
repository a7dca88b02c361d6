using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.Backend.Apps;
using Dm3.Backend.Delivery;
using Dm3.Backend.Names;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Delivery;

/// <summary>
/// The dm3 delivery service: the dm3 HTTP routes (<c>/hello</c>, <c>/auth</c>, <c>/profile</c>, <c>/rpc</c>,
/// <c>/delivery/messages</c>), the <c>DeliverEnvelope</c> queue function and the <c>Sweeper</c> timer.
/// Settings: <c>DeliveryService__SizeLimit</c> (bytes, default 100000), <c>DeliveryService__MessageTtlMs</c> (0 = keep),
/// <c>EnvelopesQueue</c> (default <c>envelopes</c>), <c>SweeperSchedule</c> (NCRONTAB, default every 15 minutes); keys
/// from <see cref="KeyMaterial"/> (<c>DeliveryService__EncryptionPrivateKey</c>, <c>__SigningPrivateKey</c>,
/// <c>__TokenSecret</c>), the same source the gateway publishes the DS profile from. Depends on the resolver feature's
/// <see cref="AppCatalog"/> and <see cref="NameStore"/>.
/// </summary>
public sealed class DeliveryFeature : IAppFeature
{
    public const string DeliverFunction = "DeliverEnvelope";
    public const string SweeperFunction = "Sweeper";
    public const string EnvelopesQueueSetting = "EnvelopesQueue";
    public const string SweeperScheduleSetting = "SweeperSchedule";

    public const string HelloFunction = "DeliveryHello";
    public const string HelloRoute = "hello";
    public const string ChallengeFunction = "DeliveryChallenge";
    public const string LoginFunction = "DeliveryLogin";
    public const string AuthRoute = "auth/{name}";
    public const string GetProfileFunction = "DeliveryGetProfile";
    public const string SubmitProfileFunction = "DeliverySubmitProfile";
    public const string ProfileRoute = "profile/{name}";
    public const string RpcFunction = "DeliveryRpc";
    public const string RpcRoute = "rpc";
    public const string IncomingFunction = "DeliveryIncoming";
    public const string IncomingRoute = "delivery/messages/incoming/{name}";
    public const string AcknowledgeFunction = "DeliveryAcknowledge";
    public const string AcknowledgeRoute = "delivery/messages/{name}/syncAcknowledgements";
    public const string SizeLimitSetting = "DeliveryService__SizeLimit";
    public const string MessageTtlSetting = "DeliveryService__MessageTtlMs";

    public void Describe(FunctionCatalog catalog) => catalog
        .Table(DeliveryTableNames.Inbox)
        .Table(DeliveryTableNames.Accounts)
        .Table(DeliveryTableNames.Challenges)
        // Idempotent by its inbox key and ETag (DeliverEnvelopeHandler): no processed-id record, 2 Table transactions saved per envelope.
        .Queue<DeliverEnvelopeHandler>(DeliverFunction, EnvelopesQueueSetting, "envelopes", idempotent: true)
        .Timer<SweeperHandler>(SweeperFunction, SweeperScheduleSetting, "0 */15 * * * *")
        .Http(HelloFunction, Verb.Get, HelloRoute, CorsPolicies.AnyOrigin)
        .Http(ChallengeFunction, Verb.Get, AuthRoute, CorsPolicies.AnyOrigin)
        .Http(LoginFunction, Verb.Post, AuthRoute, CorsPolicies.AnyOrigin)
        .Http(GetProfileFunction, Verb.Get, ProfileRoute, CorsPolicies.AnyOrigin)
        .Http(SubmitProfileFunction, Verb.Post, ProfileRoute, CorsPolicies.AnyOrigin)
        .Http(RpcFunction, Verb.Post, RpcRoute, CorsPolicies.AnyOrigin)
        .Http(IncomingFunction, Verb.Get, IncomingRoute, CorsPolicies.AnyOrigin)
        .Http(AcknowledgeFunction, Verb.Post, AcknowledgeRoute, CorsPolicies.AnyOrigin);

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => ReadSettings(sp.GetRequiredService<SettingsReader>()));
        services.AddSingleton(sp =>
        {
            var keys = sp.GetRequiredService<KeyMaterial>();
            return new DeliveryKeys(keys.DeliveryServiceEncryptionPrivateKey, keys.DeliveryServiceSigningPrivateKey, keys.TokenSecret);
        });
        services.AddSingleton(sp =>
        {
            var names = sp.GetRequiredService<StorageNames>();
            return new DeliveryStorage(sp.GetRequiredService<ITableStore>(), names.Table(DeliveryTableNames.Inbox),
                names.Table(DeliveryTableNames.Accounts), names.Table(DeliveryTableNames.Challenges));
        });
        services.AddSingleton(sp => new EnvelopeQueue(sp.GetRequiredService<StorageNames>().Queue(EnvelopesQueueSetting)));
        services.AddSingleton<DeliveryDirectory>();
        services.AddSingleton<OpenAccountHandler>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<ProfileSubmission>();
        services.AddSingleton<MessageSubmission>();
        services.AddSingleton<InboxStore>();
        services.AddSingleton<IncomingMessages>();
    }

    public void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
        var delivery = ReadSettings(settings);
        // The envelope travels as a JSON string inside the JSON-RPC body: leave room for escaping and the envelope.
        if ((long)delivery.SizeLimit * 2 + 4096 > runtime.Http.MaxRequestBodyBytes)
        {
            throw new SettingsException(SizeLimitSetting, $"needs Http__MaxRequestBodyBytes of at least 2 × {delivery.SizeLimit} + 4096 bytes.");
        }
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) => DeliveryEndpoints.Map(endpoints);

    internal static DeliverySettings ReadSettings(SettingsReader reader) => new(
        reader.Int(SizeLimitSetting, DeliverySettings.DefaultSizeLimit, 1024, DeliverySettings.MaxSizeLimit),
        reader.Long(MessageTtlSetting, 0, 0, 10L * 365 * 24 * 3600 * 1000));
}
