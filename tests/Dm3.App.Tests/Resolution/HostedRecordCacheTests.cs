using System.Security.Cryptography;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Tests.Support;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Apps;
using Dm3.Backend.Ccip;
using Dm3.Backend.Names;
using Dm3.Backend.Resolution;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using static Dm3.App.Tests.Ccip.GatewayTestKit;

namespace Dm3.App.Tests.Resolution;

/// <summary>
/// The hosted-record cache shared by the CCIP gateway and the resolver (issue 11, decisions §14), on Azurite: a gateway
/// miss for a cached name reads nothing; a write through this instance's <see cref="NameStore"/> is visible at once; a
/// write by another instance is served stale at most until the signature of an answer built from the old read expires,
/// because answers expire at read time + TTL.
/// </summary>
public sealed class HostedRecordCacheTests : IDisposable
{
    private const string Sender = "0x1111111111111111111111111111111111111111";
    private static readonly byte[] SignerKey = ResolverHost.RandomKey();
    private readonly HttpClient _http = new();

    [Fact]
    public async Task Gateway_misses_use_the_record_cache_and_a_local_write_invalidates_it_at_once()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        var (table, tableName) = await TableAsync();
        var reads = new CountingReads(table);
        var localNames = new NameStore(reads, tableName);
        var otherInstance = new NameStore(table, tableName);
        var hosted = new HostedRecordSource(Apps(), localNames, new DeliveryServiceOptions(), clock, TimeSpan.FromSeconds(300));
        var gateway = new CcipGateway(new GatewayOptions { Resolvers = [new GatewayResolverOptions { Address = Sender, Family = "ens" }] }, hosted, new LocalDigestSigner(SignerKey), clock);
        var (wallet, name) = NewIdentity();
        var v1 = await ClaimAsync(localNames, wallet, name, clock);
        var t0 = clock.GetUtcNow();

        // The first miss reads the row; further misses for the name (new calldata each time) read nothing.
        Assert.Equal(v1.ToTextRecordValue(), (await ProfileAsync(gateway, name, "a")).Text);
        var readsAfterFirst = reads.Gets;
        Assert.Equal(v1.ToTextRecordValue(), (await ProfileAsync(gateway, name, "b")).Text);
        Assert.Equal(v1.ToTextRecordValue(), (await ProfileAsync(gateway, name, "c")).Text);
        Assert.Equal(readsAfterFirst, reads.Gets);

        // Another instance's write: this instance may still serve the old record, but an answer built from it expires
        // at first read + TTL, so staleness stays within the signature lifetime.
        var v2 = await ReplaceAsync(otherInstance, wallet, name, clock);
        clock.Advance(TimeSpan.FromSeconds(100));
        var stale = await ProfileAsync(gateway, name, "d");
        Assert.Equal(v1.ToTextRecordValue(), stale.Text);
        Assert.Equal((ulong)t0.ToUnixTimeSeconds() + 300, stale.Expires);

        // A write through this instance's NameStore drops the cached record at once.
        var v3 = await ReplaceAsync(localNames, wallet, name, clock);
        var fresh = await ProfileAsync(gateway, name, "e");
        Assert.Equal(v3.ToTextRecordValue(), fresh.Text);
        Assert.Equal((ulong)clock.GetUtcNow().ToUnixTimeSeconds() + 300, fresh.Expires);
        Assert.NotEqual(v2.ToCanonicalJson(), v3.ToCanonicalJson());

        // The entry lives for TTL - 120 s; after that the row is read again.
        var readsBefore = reads.Gets;
        clock.Advance(TimeSpan.FromSeconds(181));
        await ProfileAsync(gateway, name, "f");
        Assert.Equal(readsBefore + 1, reads.Gets);
    }

    [Fact]
    public async Task The_resolver_answers_hosted_names_from_storage_without_a_chain()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        var (table, tableName) = await TableAsync();
        var names = new NameStore(table, tableName);
        var hosted = new HostedRecordSource(Apps(), names, new DeliveryServiceOptions { Url = "https://ds.example", PublicSigningKey = Key(), PublicEncryptionKey = Key() }, clock, TimeSpan.FromSeconds(300));
        var resolver = new NameResolver(new ResolutionOptions(), new NoNetwork(), hosted, clock);
        var (wallet, name) = NewIdentity();
        var profile = await ClaimAsync(names, wallet, name, clock);

        var result = await resolver.ResolveAsync(name.ToUpperInvariant(), CancellationToken.None);
        Assert.Equal(ResolutionStatus.Resolved, result.Status);
        Assert.Equal("hosted", result.Source);
        Assert.Equal(wallet.Address, result.Address);
        Assert.Equal(profile.ToCanonicalJson(), result.Profile!.ToCanonicalJson());
        Assert.Equal("https://ds.example", Assert.Single(result.DeliveryServices).Profile!.Url);

        var unknown = await resolver.ResolveAsync(NewIdentity().Name, CancellationToken.None);
        Assert.Equal(ResolutionStatus.NotFound, unknown.Status);
        Assert.Equal("resolution.no_profile", unknown.Error!.Code);
    }

    public void Dispose() => _http.Dispose();

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static AppCatalog Apps() => AppCatalog.Create(new AppCatalogOptions { Apps = [new AppOptions { ParentName = ResolverHost.Parent }] });

    private static (TestWallet Wallet, string Name) NewIdentity()
    {
        var wallet = new TestWallet();
        return (wallet, Ethereum.ToLowerAddress(wallet.Address) + ".addr." + ResolverHost.Parent);
    }

    private async Task<(Dm3.Backend.Storage.ITableStore Table, string TableName)> TableAsync()
    {
        Azurite.EnsureReachable(Azurite.TableEndpoint);
        var table = Azurite.CreateTableClient(_http, resilience: new ResilienceOptions());
        var tableName = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "Names";
        await table.CreateTableIfNotExistsAsync(tableName, CancellationToken.None);
        return (table, tableName);
    }

    private static SignedUserProfile NewProfile(TestWallet wallet) =>
        SignedUserProfile.Sign(new UserProfile(Key(), Key(), ["ds." + ResolverHost.Parent]), wallet.Key);

    private static async Task<SignedUserProfile> ClaimAsync(NameStore names, TestWallet wallet, string name, ManualClock clock)
    {
        var profile = NewProfile(wallet);
        var record = new NameRecord(name, ResolverHost.Parent, Ethereum.ToLowerAddress(wallet.Address), profile.ToCanonicalJson(), profile.Dm3Hash, 1, clock.GetUtcNow(), null, null);
        Assert.Equal(NameWriteStatus.Written, (await names.InsertAsync(record, CancellationToken.None)).Status);
        return profile;
    }

    private static async Task<SignedUserProfile> ReplaceAsync(NameStore names, TestWallet wallet, string name, ManualClock clock)
    {
        var profile = NewProfile(wallet);
        var current = (await names.GetAsync(name, CancellationToken.None))!;
        var record = current with { ProfileJson = profile.ToCanonicalJson(), ProfileHash = profile.Dm3Hash, Version = current.Version + 1, UpdatedAt = clock.GetUtcNow() };
        Assert.Equal(NameWriteStatus.Written, (await names.ReplaceAsync(record, current.ETag!, CancellationToken.None)).Status);
        return profile;
    }

    /// <summary>
    /// The profile record through the gateway with calldata never seen before (a multicall with a salted second query), so
    /// each call is a gateway answer-cache miss that exercises the record cache.
    /// </summary>
    private static async Task<(string Text, ulong Expires)> ProfileAsync(CcipGateway gateway, string name, string salt)
    {
        var inner = CcipCalls.Multicall([Text(name, ProfileTextRecord.ProfileKey), Text(name, "salt." + salt + Guid.NewGuid().ToString("N"))]);
        var calldata = Outer(ResolverFamily.EnsOffchainResolver, name, inner);
        var answer = await gateway.ResolveAsync(new CcipGatewayRequest(Sender, Hex.Encode(calldata)), CancellationToken.None);
        Assert.Equal(CcipStatus.Answered, answer.Status);
        var verified = Verify(System.Text.Encoding.UTF8.GetString(answer.Body!), ResolverFamily.EnsOffchainResolver, Sender, calldata, Ethereum.AddressFromPrivateKey(SignerKey));
        return (DecodeString(DecodeBytesArray(verified.Result)[0]), verified.Expires);
    }

    private sealed class NoNetwork : IOutboundHttp
    {
        public Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("hosted names must not touch the network");
    }

    private sealed class CountingReads(Dm3.Backend.Storage.ITableStore inner) : Dm3.Backend.Storage.ITableStore
    {
        private int _gets;

        public int Gets => Volatile.Read(ref _gets);

        public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken) => inner.CreateTableIfNotExistsAsync(table, cancellationToken);

        public Task<Dm3.Backend.Storage.TableWriteResult> InsertAsync(string table, Dm3.Backend.Storage.TableEntity entity, CancellationToken cancellationToken) => inner.InsertAsync(table, entity, cancellationToken);

        public Task<Dm3.Backend.Storage.TableEntity?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _gets);
            return inner.GetAsync(table, partitionKey, rowKey, cancellationToken);
        }

        public Task<Dm3.Backend.Storage.TableWriteResult> UpsertAsync(string table, Dm3.Backend.Storage.TableEntity entity, Dm3.Backend.Storage.TableUpdateMode mode, CancellationToken cancellationToken) => inner.UpsertAsync(table, entity, mode, cancellationToken);

        public Task<Dm3.Backend.Storage.TableWriteResult> UpdateAsync(string table, Dm3.Backend.Storage.TableEntity entity, string etag, Dm3.Backend.Storage.TableUpdateMode mode, CancellationToken cancellationToken) => inner.UpdateAsync(table, entity, etag, mode, cancellationToken);

        public Task<Dm3.Backend.Storage.TableWriteResult> DeleteAsync(string table, string partitionKey, string rowKey, string etag, CancellationToken cancellationToken) => inner.DeleteAsync(table, partitionKey, rowKey, etag, cancellationToken);

        public Task<Dm3.Backend.Storage.TablePage> QueryAsync(string table, Dm3.Backend.Storage.TableQuery query, string? continuation, CancellationToken cancellationToken) => inner.QueryAsync(table, query, continuation, cancellationToken);
    }
}
