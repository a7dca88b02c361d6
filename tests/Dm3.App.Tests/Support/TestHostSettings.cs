using System.Security.Cryptography;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tests.Support;

namespace Dm3.App.Tests.Support;

/// <summary>Settings every in-process test host shares: Azurite storage (fails loudly when unreachable), fixed keys, the gateway resolvers.</summary>
internal static class TestHostSettings
{
    public const string EnsResolver = "0x1111111111111111111111111111111111111111";
    public const string Dm3Resolver = "0x2222222222222222222222222222222222222222";

    public static Dictionary<string, string?> Common(string tablePrefix, byte[] gatewaySignerKey, byte[] dsSigningSeed, byte[] dsEncryptionKey, string dsUrl)
    {
        var table = Environment.GetEnvironmentVariable("DM3_TEST_TABLE_ENDPOINT") ?? "http://127.0.0.1:10002/devstoreaccount1";
        var queue = Environment.GetEnvironmentVariable("DM3_TEST_QUEUE_ENDPOINT") ?? "http://127.0.0.1:10001/devstoreaccount1";
        Azurite.EnsureReachable(new Uri(table));
        return new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={StorageConnection.DevelopmentAccountKey};TableEndpoint={table};QueueEndpoint={queue};",
            ["Storage:TablePrefix"] = tablePrefix,
            ["Queues:PumpEnabled"] = "false",
            ["DevKeys:Enabled"] = "false",
            ["Gateway:SignerPrivateKey"] = Convert.ToHexStringLower(gatewaySignerKey),
            ["DeliveryService:EncryptionPrivateKey"] = Convert.ToBase64String(dsEncryptionKey),
            ["DeliveryService:SigningPrivateKey"] = Convert.ToBase64String(dsSigningSeed),
            ["DeliveryService:TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Auth:TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Links:OwnerIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DeliveryService:Url"] = dsUrl,
            ["Gateway:Resolvers:0:Address"] = EnsResolver,
            ["Gateway:Resolvers:0:Family"] = "ens",
            ["Gateway:Resolvers:1:Address"] = Dm3Resolver,
            ["Gateway:Resolvers:1:Family"] = "dm3",
        };
    }
}
