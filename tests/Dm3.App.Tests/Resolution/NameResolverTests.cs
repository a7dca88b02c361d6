using System.Text;
using System.Text.Json;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Resolution;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;

namespace Dm3.App.Tests.Resolution;

/// <summary>
/// <see cref="NameResolver"/> against a scripted JSON-RPC node and gateways (an <see cref="IOutboundHttp"/> fake): name
/// normalisation before any lookup, negative caching, no caching of transient failures, the request budget. The same
/// code against real contracts on anvil: tests/interop/ens-resolve.test.mjs.
/// </summary>
public sealed class NameResolverTests
{
    private static readonly byte[] Registry = Hex.Decode(Ensip10.MainnetRegistry);
    private static readonly byte[] Resolver = Enumerable.Repeat((byte)0x42, 20).ToArray();

    [Fact]
    public async Task A_name_without_an_ENSIP15_form_is_refused_before_any_request()
    {
        var node = new ScriptedNode((_, _) => Word(0));
        var resolver = Create(node, new ManualClock(DateTimeOffset.UnixEpoch));
        var result = await resolver.ResolveAsync("bad name.eth", CancellationToken.None);
        Assert.Equal(ResolutionStatus.InvalidName, result.Status);
        Assert.Equal("ens.normalize.disallowed_character", result.Error!.Code);
        Assert.Equal(0, node.Requests);
    }

    [Fact]
    public async Task A_mapped_name_is_looked_up_under_the_namehash_of_its_normalised_form()
    {
        var asked = new List<string>();
        var node = new ScriptedNode((to, data) =>
        {
            asked.Add(Hex.Encode(data.AsSpan(4, 32)));
            return Word(0);
        });
        var result = await Create(node, new ManualClock(DateTimeOffset.UnixEpoch)).ResolveAsync("ALICE.Eth", CancellationToken.None);
        Assert.Equal("alice.eth", result.Name);
        Assert.Equal([Hex.Encode(EnsNames.Namehash("alice.eth")), Hex.Encode(EnsNames.Namehash("eth"))], asked);
    }

    [Fact]
    public async Task A_name_without_a_resolver_is_cached_negatively_for_the_negative_ttl()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var node = new ScriptedNode((_, _) => Word(0));
        var resolver = Create(node, clock);
        var first = await resolver.ResolveAsync("nobody.eth", CancellationToken.None);
        Assert.Equal(ResolutionStatus.NotFound, first.Status);
        Assert.Equal("ens.no_resolver", first.Error!.Code);
        var requests = node.Requests;

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(ResolutionStatus.NotFound, (await resolver.ResolveAsync("nobody.eth", CancellationToken.None)).Status);
        Assert.Equal(requests, node.Requests);

        clock.Advance(TimeSpan.FromSeconds(2));
        await resolver.ResolveAsync("nobody.eth", CancellationToken.None);
        Assert.Equal(2 * requests, node.Requests);
    }

    [Fact]
    public async Task A_transient_chain_failure_is_reported_and_not_cached()
    {
        var node = new ScriptedNode((_, _) => null);
        var resolver = Create(node, new ManualClock(DateTimeOffset.UnixEpoch));
        var first = await resolver.ResolveAsync("alice.eth", CancellationToken.None);
        Assert.Equal(ResolutionStatus.Failed, first.Status);
        Assert.Equal("ens.rpc_failed", first.Error!.Code);
        await resolver.ResolveAsync("alice.eth", CancellationToken.None);
        Assert.Equal(2, node.Requests);
    }

    [Fact]
    public async Task Gateway_fail_over_stops_at_the_request_budget()
    {
        var urls = Enumerable.Range(0, 20).Select(i => $"https://gw{i}.example/{{sender}}/{{data}}.json").ToList();
        var node = new ScriptedNode((to, data) =>
        {
            if (to.AsSpan().SequenceEqual(Registry))
            {
                return Word(0, Resolver);
            }

            AbiCodec.TryReadSelector(data, out var selector);
            if (selector == Ensip10.SupportsInterfaceSelector)
            {
                return Word(1);
            }

            // resolve(name, data) → OffchainLookup with 20 gateways, each answering 503.
            var (name, inner) = (((AbiValue.Bytes)Decode(data)[0]).Value, ((AbiValue.Bytes)Decode(data)[1]).Value);
            return new Revert(OffchainLookup.EncodeRevertData(new OffchainLookupData(Resolver, urls, CcipCalls.Resolve(name, inner), Selectors.ResolveWithProof, [])));
        });
        var result = await Create(node, new ManualClock(DateTimeOffset.UnixEpoch)).ResolveAsync("alice.eth", CancellationToken.None);
        Assert.Equal(ResolutionStatus.Failed, result.Status);
        Assert.Equal("resolution.request_budget", result.Error!.Code);
        Assert.Equal(12, node.GatewayRequests);
    }

    private static IReadOnlyList<AbiValue> Decode(byte[] resolveCall)
    {
        Assert.True(AbiCodec.TryDecodeCall(resolveCall, Selectors.Resolve, [AbiType.Bytes, AbiType.Bytes], out var values, out var error), error?.Message);
        return values;
    }

    private static NameResolver Create(ScriptedNode node, ManualClock clock) =>
        new(new ResolutionOptions { RpcUrl = "http://rpc.test/" }, node, hosted: null, clock);

    private static byte[] Word(int value, byte[]? address = null)
    {
        var word = new byte[32];
        if (address is not null)
        {
            address.CopyTo(word, 12);
        }

        word[31] |= (byte)value;
        return word;
    }

    private sealed record Revert(byte[] Data);

    /// <summary>Answers eth_call through a script (bytes = result, Revert = revert data, null = HTTP 500); gateways answer 503.</summary>
    private sealed class ScriptedNode(Func<byte[], byte[], object?> script) : IOutboundHttp
    {
        public int Requests;
        public int GatewayRequests;

        public Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Requests);
            if (request.Origin == OutboundOrigin.ChainData)
            {
                Interlocked.Increment(ref GatewayRequests);
                return Task.FromResult(new OutboundResponse(OutboundStatus.Answered, 503, [], null));
            }

            using var doc = JsonDocument.Parse(request.JsonBody!);
            var call = doc.RootElement.GetProperty("params")[0];
            var answer = script(Hex.Decode(call.GetProperty("to").GetString()!), Hex.Decode(call.GetProperty("data").GetString()!));
            var body = answer switch
            {
                byte[] result => "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + Hex.Encode(result) + "\"}",
                Revert revert => "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":\"" + Hex.Encode(revert.Data) + "\"}}",
                _ => null,
            };
            return Task.FromResult(body is null
                ? new OutboundResponse(OutboundStatus.Answered, 500, Encoding.UTF8.GetBytes("busy"), null)
                : new OutboundResponse(OutboundStatus.Answered, 200, Encoding.UTF8.GetBytes(body), null));
        }
    }
}
