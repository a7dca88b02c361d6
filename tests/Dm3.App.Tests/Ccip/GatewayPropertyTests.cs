using System.Security.Cryptography;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Tables;
using Dm3.Adapters.Tests.Support;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Apps;
using Dm3.Backend.Ccip;
using Dm3.Backend.Names;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Profiles;
using FsCheck;
using FsCheck.Fluent;
using static Dm3.App.Tests.Ccip.GatewayTestKit;

namespace Dm3.App.Tests.Ccip;

/// <summary>
/// Whatever is stored resolves to itself: store → encode the client's call → gateway → verify and decode. The names
/// live in the real <see cref="TableServiceStore"/> on Azurite (DM3_TEST_TABLE_ENDPOINT, default 127.0.0.1:10002),
/// in a table of its own; an unreachable Azurite fails the test.
/// </summary>
public sealed class GatewayPropertyTests : IDisposable
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(30);
    private readonly HttpClient _http = new();
    private static readonly byte[] SignerKey = ResolverHost.RandomKey();
    private static readonly byte[] SignerAddress = Ethereum.AddressFromPrivateKey(SignerKey);
    private const string EnsSender = "0x1111111111111111111111111111111111111111";
    private const string Dm3Sender = "0x2222222222222222222222222222222222222222";

    public sealed record StoredName(byte[] Address, string EncryptionKey, string SigningKey, string[] DeliveryServices, string? Link);

    private static Gen<StoredName> Names()
    {
        var bytes32 = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 32).Select(Convert.ToBase64String);
        var address = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 20);
        var label = Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()), n)).Select(c => new string(c));
        var dsNames = Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(label.Select(l => l + ".eth"), n));
        var link = Gen.OneOf(Gen.Constant<string?>(null), ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => (string?)s.Get));
        return from a in address
               from enc in bytes32
               from sig in bytes32
               from ds in dsNames
               from l in link
               select new StoredName(a, enc, sig, ds, l);
    }

    [Fact]
    public async Task Every_stored_record_resolves_to_itself_through_both_resolver_families()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        var table = AzuriteTables(_http);
        var names = new NameStore(table, "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "Names");
        await table.CreateTableIfNotExistsAsync(names.TableName, CancellationToken.None);
        var apps = AppCatalog.Create(new AppCatalogOptions { Apps = [new AppOptions { ParentName = ResolverHost.Parent }] });
        var options = new GatewayOptions
        {
            Resolvers =
            [
                new GatewayResolverOptions { Address = EnsSender, Family = "ens" },
                new GatewayResolverOptions { Address = Dm3Sender, Family = "dm3" },
            ],
        };
        var gateway = new CcipGateway(options, apps, names, new LocalDigestSigner(SignerKey), clock, new DeliveryServiceOptions());

        Check.One(Runs, Prop.ForAll(Names().ToArbitrary(), stored =>
        {
            var wallet = new TestWallet();
            var profile = SignedUserProfile.Sign(new UserProfile(stored.EncryptionKey, stored.SigningKey, stored.DeliveryServices), wallet.Key);
            var name = Ethereum.ToLowerAddress(stored.Address) + ".addr." + ResolverHost.Parent;
            var record = new NameRecord(name, ResolverHost.Parent, Ethereum.ToLowerAddress(stored.Address), profile.ToCanonicalJson(), profile.Dm3Hash, 1, clock.GetUtcNow(), stored.Link, null);
            var (status, _) = names.InsertAsync(record, CancellationToken.None).GetAwaiter().GetResult();
            Assert.Equal(NameWriteStatus.Written, status);

            var text = Resolve(gateway, ResolverFamily.EnsOffchainResolver, EnsSender, name, Text(name, ProfileTextRecord.ProfileKey));
            Assert.True(ProfileTextRecord.TryReadSignedUserProfile(DecodeString(text), out var read, out _));
            Assert.Equal(profile.ToCanonicalJson(), read.ToCanonicalJson());
            Assert.Equal(stored.Link ?? "", DecodeString(Resolve(gateway, ResolverFamily.EnsOffchainResolver, EnsSender, name, Text(name, "network.dm3.link"))));
            Assert.Equal(stored.Address, DecodeAddress(Resolve(gateway, ResolverFamily.EnsOffchainResolver, EnsSender, name, Addr(name))));
            Assert.Equal(stored.Address, DecodeBytes(Resolve(gateway, ResolverFamily.EnsOffchainResolver, EnsSender, name, AddrCoin(name, 60))));
            Assert.Equal(stored.Address, Resolve(gateway, ResolverFamily.Dm3Resolver, Dm3Sender, name, Addr(name)));
            Assert.Equal(profile.ToTextRecordValue(), DecodeString(Resolve(gateway, ResolverFamily.Dm3Resolver, Dm3Sender, name, Text(name, ProfileTextRecord.ProfileKey))));
            var multi = DecodeBytesArray(Resolve(gateway, ResolverFamily.EnsOffchainResolver, EnsSender, name,
                CcipCalls.Multicall([Addr(name), Text(name, ProfileTextRecord.ProfileKey)])));
            Assert.Equal(stored.Address, DecodeAddress(multi[0]));
            Assert.Equal(profile.ToTextRecordValue(), DecodeString(multi[1]));
        }));
    }

    public void Dispose() => _http.Dispose();

    private static TableServiceStore AzuriteTables(HttpClient http)
    {
        Azurite.EnsureReachable(Azurite.TableEndpoint);
        return Azurite.CreateTableStore(new Dm3.Adapters.Sdk.AdapterRetry());
    }

    private static byte[] Resolve(CcipGateway gateway, ResolverFamily family, string sender, string name, byte[] inner)
    {
        var calldata = Outer(family, name, inner);
        var result = gateway.ResolveAsync(new CcipGatewayRequest(sender, Dm3.Protocol.Encoding.Hex.Encode(calldata)), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Assert.Equal(CcipStatus.Answered, result.Status);
        return Verify(System.Text.Encoding.UTF8.GetString(result.Body!), family, sender, calldata, SignerAddress).Result;
    }
}
