using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Names;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Profiles;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Ccip.GatewayTestKit;
using static Dm3.App.Tests.Profiles.ResolverTestKit;

namespace Dm3.App.Tests.Ccip;

public sealed class GatewayHttpTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    private const ResolverFamily Ens = ResolverFamily.EnsOffchainResolver;
    private const ResolverFamily Dm3 = ResolverFamily.Dm3Resolver;
    // A browser dApp's requests: cross-origin, so they carry Origin and get the CORS answer.
    private readonly HttpClient _client = Browser(host.CreateClient());
    private byte[] Signer => Ethereum.AddressFromPrivateKey(host.SignerKey);

    [Fact]
    public async Task A_claimed_profile_resolves_through_the_ENS_family_to_exactly_what_was_claimed()
    {
        var (wallet, profile) = await ClaimAsync();

        var text = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));
        var addr = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, Addr(wallet.Name));
        var addr60 = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, AddrCoin(wallet.Name, 60));
        var addr0 = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, AddrCoin(wallet.Name, 0));
        var link = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, Text(wallet.Name, "network.dm3.link"));
        var avatar = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, Text(wallet.Name, "avatar"));
        var contenthash = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, CcipCalls.ContentHash(Node(wallet.Name)));

        Assert.Equal(profile.ToTextRecordValue(), DecodeString(text.Result));
        Assert.True(ProfileTextRecord.TryReadSignedUserProfile(DecodeString(text.Result), out var read, out _));
        Assert.True(read.VerifySignature(wallet.Address));
        Assert.Equal(wallet.Address, DecodeAddress(addr.Result));
        Assert.Equal(wallet.Address, DecodeBytes(addr60.Result));
        Assert.Empty(DecodeBytes(addr0.Result));
        Assert.Equal("", DecodeString(link.Result));
        Assert.Equal("", DecodeString(avatar.Result));
        Assert.Empty(DecodeBytes(contenthash.Result));
    }

    [Fact]
    public async Task The_dm3_family_answers_addr_as_raw_20_bytes_with_an_EIP191_signature()
    {
        var (wallet, profile) = await ClaimAsync();

        var addr = await ResolveAsync(Dm3, ResolverHost.Dm3Resolver, wallet.Name, Addr(wallet.Name));
        var text = await ResolveAsync(Dm3, ResolverHost.Dm3Resolver, wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));

        Assert.Equal(wallet.Address, addr.Result);
        Assert.Equal(profile.ToTextRecordValue(), DecodeString(text.Result));
    }

    [Fact]
    public async Task An_unclaimed_name_resolves_to_signed_zero_values()
    {
        var name = new TestWallet().Name;

        var text = await ResolveAsync(Ens, ResolverHost.EnsResolver, name, Text(name, ProfileTextRecord.ProfileKey));
        var addr = await ResolveAsync(Ens, ResolverHost.EnsResolver, name, Addr(name));
        var rawAddr = await ResolveAsync(Dm3, ResolverHost.Dm3Resolver, name, Addr(name));
        var outside = await ResolveAsync(Ens, ResolverHost.EnsResolver, "alice.eth", Text("alice.eth", ProfileTextRecord.ProfileKey));

        Assert.Equal("", DecodeString(text.Result));
        Assert.Equal(new byte[20], DecodeAddress(addr.Result));
        Assert.Equal(new byte[20], rawAddr.Result);
        Assert.Equal("", DecodeString(outside.Result));
    }

    [Fact]
    public async Task The_delivery_service_name_resolves_to_the_configured_delivery_service_profile()
    {
        const string ds = "ds." + ResolverHost.Parent;
        var expected = new DeliveryServiceProfile(
            Convert.ToBase64String(Ed25519.KeyPairFromSeed(host.DsSigningSeed).PublicKey32),
            Convert.ToBase64String(X25519.PublicKeyFromPrivate(host.DsEncryptionKey)),
            ResolverHost.DsUrl);

        var answer = await ResolveAsync(Ens, ResolverHost.EnsResolver, ds, Text(ds, ProfileTextRecord.DeliveryServiceKey));

        Assert.Equal(expected.ToTextRecordValue(), DecodeString(answer.Result));
        Assert.True(ProfileTextRecord.TryReadDeliveryServiceProfile(DecodeString(answer.Result), out var read, out _));
        Assert.Equal(ResolverHost.DsUrl, read.Url);
    }

    [Fact]
    public async Task Multicall_answers_every_element_under_one_signature_and_a_bad_element_with_empty_bytes()
    {
        var (wallet, profile) = await ClaimAsync();
        var calls = new[] { Text(wallet.Name, ProfileTextRecord.ProfileKey), Addr(wallet.Name), Addr(new TestWallet().Name), [0xde, 0xad] };

        var answer = await ResolveAsync(Ens, ResolverHost.EnsResolver, wallet.Name, CcipCalls.Multicall(calls));

        var results = DecodeBytesArray(answer.Result);
        Assert.Equal(4, results.Count);
        Assert.Equal(profile.ToTextRecordValue(), DecodeString(results[0]));
        Assert.Equal(wallet.Address, DecodeAddress(results[1]));
        Assert.Empty(results[2]);
        Assert.Empty(results[3]);
    }

    [Fact]
    public async Task GET_and_POST_give_the_same_signed_answer_with_the_default_300_second_expiry()
    {
        var (wallet, _) = await ClaimAsync();
        var calldata = Outer(Ens, wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));

        var post = await PostAsync(_client, ResolverHost.EnsResolver, calldata);
        var get = await GetAsync(_client, ResolverHost.EnsResolver.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal), calldata);

        Assert.Equal(HttpStatusCode.OK, post.Response.StatusCode);
        Assert.Equal(post.Body, get.Body);
        var response = Verify(post.Body, Ens, ResolverHost.EnsResolver, calldata, Signer);
        Assert.Equal((ulong)host.Clock.GetUtcNow().ToUnixTimeSeconds() + 300, response.Expires);
        Assert.Equal("application/json", post.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", post.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_repeated_resolve_is_served_from_the_cache_until_expiry_minus_60_seconds()
    {
        var (wallet, profile) = await ClaimAsync();
        var calldata = Outer(Ens, wallet.Name, Text(wallet.Name, ProfileTextRecord.ProfileKey));
        var first = await GetAsync(_client, ResolverHost.EnsResolver, calldata);
        var names = host.Services.GetRequiredService<NameStore>();
        var stored = await names.GetAsync(wallet.Name, CancellationToken.None);
        Assert.Equal(NameWriteStatus.Written, await names.DeleteAsync(wallet.Name, stored!.ETag!, CancellationToken.None));

        host.Clock.Advance(TimeSpan.FromSeconds(239));
        var cached = await GetAsync(_client, ResolverHost.EnsResolver, calldata);
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var fresh = await GetAsync(_client, ResolverHost.EnsResolver, calldata);

        Assert.Equal(first.Body, cached.Body);
        Assert.Equal(profile.ToTextRecordValue(), DecodeString(Verify(cached.Body, Ens, ResolverHost.EnsResolver, calldata, Signer).Result));
        Assert.NotEqual(first.Body, fresh.Body);
        Assert.Equal("", DecodeString(Verify(fresh.Body, Ens, ResolverHost.EnsResolver, calldata, Signer).Result));
    }

    [Fact]
    public async Task An_unknown_sender_gets_404_unknown_sender()
    {
        var name = new TestWallet().Name;
        var calldata = Outer(Ens, name, Addr(name));

        var get = await GetAsync(_client, "0x3333333333333333333333333333333333333333", calldata);
        var post = await PostAsync(_client, "0x3333333333333333333333333333333333333333", calldata);

        Assert.Equal(HttpStatusCode.NotFound, get.Response.StatusCode);
        Assert.Equal("{\"message\":\"unknown sender\"}", get.Body);
        Assert.Equal(HttpStatusCode.NotFound, post.Response.StatusCode);
        Assert.Equal("{\"message\":\"unknown sender\"}", post.Body);
    }

    public static TheoryData<string, string> MalformedGets()
    {
        var name = "0x0000000000000000000000000000000000000001.addr.myapp.eth";
        var good = Hex.Encode(Outer(ResolverFamily.EnsOffchainResolver, name, Addr(name)));
        var wrongNode = Hex.Encode(CcipCalls.Resolve(EnsNames.DnsEncode(name), Addr("other.myapp.eth")));
        var upper = Hex.Encode(CcipCalls.Resolve([5, (byte)'A', (byte)'l', (byte)'i', (byte)'c', (byte)'e', 3, (byte)'e', (byte)'t', (byte)'h', 0], Addr("alice.eth")));
        var unknownInner = Hex.Encode(CcipCalls.Resolve(EnsNames.DnsEncode(name), [0x12, 0x34, 0x56, 0x78]));
        var dm3Form = Hex.Encode(Outer(ResolverFamily.Dm3Resolver, name, Addr(name)));
        return new TheoryData<string, string>
        {
            { ResolverHost.EnsResolver, good + "0" },
            { ResolverHost.EnsResolver, "0x" + good[2..].Replace('a', 'g') },
            { ResolverHost.EnsResolver, good[2..] },
            { ResolverHost.EnsResolver, "0x12345678" },
            { ResolverHost.EnsResolver, "0x" },
            { ResolverHost.EnsResolver, good[..^64] },
            { ResolverHost.EnsResolver, wrongNode },
            { ResolverHost.EnsResolver, upper },
            { ResolverHost.EnsResolver, unknownInner },
            { ResolverHost.EnsResolver, dm3Form },
            { "0x1234", good },
            { "alice.eth", good },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedGets))]
    public async Task Malformed_requests_get_400_with_a_message(string sender, string data)
    {
        var response = await _client.GetAsync("/ccip/" + sender + "/" + data + ".json");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(Message(body)));
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_GET_URL_over_4000_characters_is_refused()
    {
        var name = new TestWallet().Name;
        var calldata = Outer(Ens, name, Text(name, new string('k', 1900)));

        var (response, body) = await GetAsync(_client, ResolverHost.EnsResolver, calldata);

        Assert.True(GetPath(ResolverHost.EnsResolver, calldata).Length > 4000);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(Message(body)));
    }

    [Fact]
    public async Task POST_calldata_over_16KiB_of_hex_is_a_bad_request_and_a_larger_body_is_refused()
    {
        var name = new TestWallet().Name;
        var big = Outer(Ens, name, Text(name, new string('k', 8200)));
        var huge = Encoding.UTF8.GetBytes("{\"sender\":\"" + ResolverHost.EnsResolver + "\",\"data\":\"0x" + new string('0', 40_000) + "\"}");

        var tooLong = await PostAsync(_client, ResolverHost.EnsResolver, big);
        var tooLarge = await _client.PostAsync("/ccip", new ByteArrayContent(huge) { Headers = { ContentType = new("application/json") } });

        Assert.True(big.Length * 2 > 16 * 1024);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Response.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.False(string.IsNullOrEmpty(Message(await tooLarge.Content.ReadAsStringAsync())));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"sender\":\"0x1111111111111111111111111111111111111111\"}")]
    [InlineData("{\"sender\":1,\"data\":\"0x\"}")]
    [InlineData("{\"sender\":\"0x1111111111111111111111111111111111111111\",\"data\":\"0x00\",\"data\":\"0x01\"}")]
    public async Task Malformed_POST_bodies_get_400_with_a_message(string body)
    {
        var response = await _client.PostAsync("/ccip", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(Message(await response.Content.ReadAsStringAsync())));
    }

    [Fact]
    public async Task Preflight_on_the_gateway_allows_any_origin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/ccip");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private async Task<CcipResponseData> ResolveAsync(ResolverFamily family, string sender, string name, byte[] inner)
    {
        var calldata = Outer(family, name, inner);
        var (response, body) = await GetAsync(_client, sender, calldata);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Verify(body, family, sender, calldata, Signer);
    }

    private async Task<(TestWallet Wallet, SignedUserProfile Profile)> ClaimAsync()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);
        return (wallet, profile);
    }
}
