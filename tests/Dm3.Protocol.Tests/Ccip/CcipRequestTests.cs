using System.Numerics;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Tests.Abi;
using Dm3.Protocol.Tests.Ens;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Ccip;

public sealed class CcipRequestTests
{
    private const string Name = "0xbb547651d22162aef60da876b3943d5e07f03114.addr.myapp.eth";
    private static readonly Config Thousand = Config.QuickThrowOnFailure.WithMaxTest(1000);
    private static readonly byte[] Dns = EnsNames.DnsEncode(Name);
    private static readonly byte[] Node = EnsNames.Namehash(Name);
    private static readonly byte[] Owner = Hex.Decode("0x3333333333333333333333333333333333333333");

    [Fact]
    public void Decodes_each_record_query_for_both_families()
    {
        foreach (var family in new[] { ResolverFamily.EnsOffchainResolver, ResolverFamily.Dm3Resolver })
        {
            Assert.Equal(new RecordQuery.Text(Name, Node, "network.dm3.profile"), Decode(family, CcipCalls.Text(Node, "network.dm3.profile")));
            Assert.Equal(new RecordQuery.Addr(Name, Node), Decode(family, CcipCalls.Addr(Node)));
            Assert.Equal(new RecordQuery.AddrCoin(Name, Node, 60), Decode(family, CcipCalls.AddrCoin(Node, 60)));
            var huge = (BigInteger.One << 256) - 1;
            Assert.Equal(new RecordQuery.AddrCoin(Name, Node, huge), Decode(family, CcipCalls.AddrCoin(Node, huge)));
            Assert.Equal(new RecordQuery.ContentHash(Name, Node), Decode(family, CcipCalls.ContentHash(Node)));
        }
    }

    [Fact]
    public void A_node_that_is_not_the_namehash_of_the_name_is_rejected()
    {
        var otherNode = EnsNames.Namehash("alice.eth");
        foreach (var inner in new[] { CcipCalls.Text(otherNode, "x"), CcipCalls.Addr(otherNode), CcipCalls.AddrCoin(otherNode, 60), CcipCalls.ContentHash(otherNode) })
        {
            Assert.False(CcipRequest.TryDecode(CcipCalls.Resolve(Dns, inner), out _, out var error));
            Assert.Equal("ccip.node_mismatch", error.Code);
        }
    }

    [Fact]
    public void Unknown_outer_and_inner_selectors_are_rejected()
    {
        var call = CcipCalls.Resolve(Dns, CcipCalls.Addr(Node));
        call[0] ^= 0xff;
        Assert.False(CcipRequest.TryDecode(call, out _, out var error));
        Assert.Equal("ccip.unknown_selector", error.Code);

        var pubkey = AbiCodec.EncodeCall(AbiCodec.SelectorValue("pubkey(bytes32)"), new AbiValue.FixedBytes(Node));
        Assert.False(CcipRequest.TryDecode(CcipCalls.Resolve(Dns, pubkey), out _, out error));
        Assert.Equal("ccip.unsupported_record", error.Code);

        Assert.False(CcipRequest.TryDecode(CcipCalls.Resolve(Dns, [0x3b, 0x3b]), out _, out error));
        Assert.Equal("ccip.unsupported_record", error.Code);

        Assert.False(CcipRequest.TryDecode([0x90, 0x61], out _, out error));
        Assert.Equal("ccip.calldata_too_short", error.Code);
    }

    [Fact]
    public void Names_outside_the_backend_alphabet_are_rejected()
    {
        var upper = EnsNames.DnsEncode("MyApp.eth");
        var call = CcipCalls.Resolve(upper, CcipCalls.Addr(EnsNames.Namehash("myapp.eth")));
        Assert.False(CcipRequest.TryDecode(call, out _, out var error));
        Assert.Equal("ens.name.uppercase", error.Code);

        Assert.False(CcipRequest.TryDecode(CcipCalls.Resolve([0], CcipCalls.Addr(new byte[32])), out _, out error));
        Assert.Equal("ens.name.empty", error.Code);

        Assert.False(CcipRequest.TryDecode(CcipCalls.Resolve([.. Dns, 0], CcipCalls.Addr(Node)), out _, out error));
        Assert.Equal("ens.dns.trailing_bytes", error.Code);
    }

    [Fact]
    public void Multicall_decodes_each_element_and_keeps_failures_per_element()
    {
        var calls = new List<byte[]>
        {
            CcipCalls.Text(Node, "network.dm3.profile"),
            CcipCalls.Addr(Node),
            CcipCalls.Text(EnsNames.Namehash("alice.eth"), "x"),
            new byte[] { 0xde, 0xad },
            CcipCalls.Multicall([CcipCalls.Addr(Node)]),
        };
        var query = Assert.IsType<RecordQuery.Multicall>(Decode(ResolverFamily.EnsOffchainResolver, CcipCalls.Multicall(calls)));
        Assert.Equal(Node, query.Node);
        Assert.Equal(5, query.Items.Count);
        Assert.Equal(new RecordQuery.Text(Name, Node, "network.dm3.profile"), query.Items[0].Query);
        Assert.Equal(new RecordQuery.Addr(Name, Node), query.Items[1].Query);
        Assert.Equal("ccip.node_mismatch", query.Items[2].Error?.Code);
        Assert.Equal("ccip.unsupported_record", query.Items[3].Error?.Code);
        Assert.Equal("ccip.unsupported_record", query.Items[4].Error?.Code);
        Assert.Equal(calls[3], query.Items[3].Calldata);

        // Result: abi.encode(bytes[]) of per-call results, failed elements empty.
        var address = Hex.Decode("0xbb547651d22162aef60da876b3943d5e07f03114");
        var result = CcipResults.Encode(query, ResolverFamily.EnsOffchainResolver, q => q switch
        {
            RecordQuery.Text => new RecordValue.Text("profile"),
            RecordQuery.Addr => new RecordValue.Address(address),
            _ => null,
        });
        Assert.True(AbiCodec.TryDecode(result, [AbiType.BytesArray], out var values, out _));
        var items = ((AbiValue.List)values[0]).Items.Select(i => ((AbiValue.Bytes)i).Value).ToList();
        Assert.Equal(CcipResults.Text("profile"), items[0]);
        Assert.Equal(CcipResults.Addr(ResolverFamily.EnsOffchainResolver, address), items[1]);
        Assert.Empty(items[2]);
        Assert.Empty(items[3]);
        Assert.Empty(items[4]);
    }

    [Fact]
    public void Multicall_is_refused_for_the_dm3_family()
    {
        var call = CcipCalls.ResolveWithContext(Dns, CcipCalls.Multicall([CcipCalls.Addr(Node)]), Owner);
        Assert.False(CcipRequest.TryDecode(call, out _, out var error));
        Assert.Equal("ccip.unsupported_record", error.Code);
    }

    [Fact]
    public void Zero_values_follow_the_family_rules()
    {
        Assert.Equal(new byte[20], CcipResults.ZeroValue(new RecordQuery.Addr(Name, Node), ResolverFamily.Dm3Resolver));
        Assert.Equal(new byte[32], CcipResults.ZeroValue(new RecordQuery.Addr(Name, Node), ResolverFamily.EnsOffchainResolver));
        var emptyString = CcipResults.ZeroValue(new RecordQuery.Text(Name, Node, "avatar"), ResolverFamily.Dm3Resolver);
        Assert.Equal(AbiCodec.Encode(new AbiValue.Text(string.Empty)), emptyString);
        var emptyBytes = AbiCodec.Encode(new AbiValue.Bytes([]));
        Assert.Equal(emptyBytes, CcipResults.ZeroValue(new RecordQuery.AddrCoin(Name, Node, 0), ResolverFamily.EnsOffchainResolver));
        Assert.Equal(emptyBytes, CcipResults.ZeroValue(new RecordQuery.ContentHash(Name, Node), ResolverFamily.EnsOffchainResolver));
        Assert.Throws<ArgumentException>(() =>
            CcipResults.Encode(new RecordQuery.Text(Name, Node, "x"), ResolverFamily.EnsOffchainResolver, _ => new RecordValue.Bytes([1])));
    }

    [Fact]
    public void Encode_decode_round_trip_holds_for_random_names_and_queries()
    {
        var families = Gen.Elements(ResolverFamily.EnsOffchainResolver, ResolverFamily.Dm3Resolver);
        var gen = Gen.Zip(EnsNamesTests.ValidNames, Gen.Zip(Gen.Choose(0, 4), families), (name, t) => (name, kind: t.Item1, family: t.Item2))
            .SelectMany(t => Gen.Zip(AbiGen.Text, AbiGen.Bytes(32), (key, coin) => (t.name, t.kind, t.family, key, coin)));
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (name, kind, family, key, coin) = t;
            var node = EnsNames.Namehash(name);
            var coinType = new BigInteger(coin, isUnsigned: true, isBigEndian: true);
            RecordQuery expected = kind switch
            {
                0 => new RecordQuery.Text(name, node, key),
                1 => new RecordQuery.Addr(name, node),
                2 => new RecordQuery.AddrCoin(name, node, coinType),
                3 => new RecordQuery.ContentHash(name, node),
                _ => new RecordQuery.Addr(name, node),
            };
            var inner = expected switch
            {
                RecordQuery.Text q => CcipCalls.Text(node, q.Key),
                RecordQuery.AddrCoin q => CcipCalls.AddrCoin(node, q.CoinType),
                RecordQuery.ContentHash => CcipCalls.ContentHash(node),
                _ => CcipCalls.Addr(node),
            };
            var calldata = CcipCalls.Outer(family, EnsNames.DnsEncode(name), inner, Owner);
            return CcipRequest.TryDecode(calldata, out var request, out _)
                && request.Family == family && request.Name == name && request.Query.Equals(expected);
        }));
    }

    [Fact]
    public void Decoder_never_throws_on_random_or_mutated_calldata()
    {
        var valid = new[]
        {
            CcipCalls.Resolve(Dns, CcipCalls.Text(Node, "network.dm3.profile")),
            CcipCalls.ResolveWithContext(Dns, CcipCalls.Addr(Node), Owner),
            CcipCalls.Resolve(Dns, CcipCalls.Multicall([CcipCalls.Addr(Node), CcipCalls.AddrCoin(Node, 60)])),
        };
        var mutated = Gen.Elements(valid).SelectMany(call =>
            Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(0, call.Length - 1), AbiGen.Byte), n))
                .Select(edits =>
                {
                    var copy = call.ToArray();
                    foreach (var (pos, b) in edits)
                    {
                        copy[pos] = b;
                    }

                    return copy;
                }));
        var random = AbiGen.AnyBytes(600).Select(b => b.Length >= 4 && b[0] % 2 == 0 ? [0x90, 0x61, 0xb9, 0x23, .. b[4..]] : b);
        Check.One(Thousand, Prop.ForAll(Gen.OneOf(mutated, random).ToArbitrary(), data =>
        {
            var ok = CcipRequest.TryDecode(data, out var request, out var error);
            return ok ? request is not null && error is null && request.Node.AsSpan().SequenceEqual(EnsNames.Namehash(request.Name)) : error is not null;
        }));
    }

    [Fact]
    public void Truncated_and_padded_calldata_is_rejected()
    {
        var call = CcipCalls.Resolve(Dns, CcipCalls.Text(Node, "network.dm3.profile"));
        for (var cut = 0; cut < call.Length; cut++)
        {
            Assert.False(CcipRequest.TryDecode(call.AsSpan(0, cut), out _, out _));
        }

        Assert.False(CcipRequest.TryDecode([.. call, .. new byte[32]], out _, out var error));
        Assert.Equal("abi.trailing_bytes", error.Code);
    }

    private static RecordQuery Decode(ResolverFamily family, byte[] inner)
    {
        var call = CcipCalls.Outer(family, Dns, inner, Owner);
        Assert.True(CcipRequest.TryDecode(call, out var request, out var error), error?.Message);
        Assert.Equal(family, request.Family);
        return request.Query;
    }
}
