using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;

namespace Dm3.Protocol.Tests.Ens;

/// <summary>The pure client side of ENSIP-10 and EIP-3668 (the resolver service in Dm3.Backend does the I/O).</summary>
public sealed class Ensip10ClientTests
{
    private static readonly byte[] Sender = Hex.Decode("0xAbCdEf0123456789aBcDeF0123456789AbCdEf01");
    private static readonly byte[] CallData = [0x90, 0x61, 0xb9, 0x23, 0x01, 0xff];

    [Fact]
    public void The_registry_is_asked_about_the_name_then_each_parent_but_never_the_root()
    {
        Assert.Equal(["a.b.c.eth", "b.c.eth", "c.eth", "eth"], Ensip10.NameAndParents("a.b.c.eth"));
        Assert.Equal(["eth"], Ensip10.NameAndParents("eth"));
    }

    [Fact]
    public void Registry_and_erc165_calls_carry_their_selectors()
    {
        var node = EnsNames.Namehash("alice.eth");
        Assert.Equal("0x0178b8bf" + Hex.Encode(node, prefix: false), Hex.Encode(Ensip10.ResolverCall(node)));
        Assert.Equal("0x01ffc9a7" + "9061b923" + new string('0', 56), Hex.Encode(Ensip10.SupportsInterfaceCall(Ensip10.ExtendedResolverInterface)));
    }

    [Fact]
    public void A_template_with_data_is_a_GET_with_lower_case_sender_and_calldata()
    {
        var form = CcipClient.BuildRequest("https://gw.example/{sender}/{data}.json", Sender, CallData);
        Assert.False(form.IsPost);
        Assert.Equal("https://gw.example/0xabcdef0123456789abcdef0123456789abcdef01/0x9061b92301ff.json", form.Url);
    }

    [Fact]
    public void A_template_without_data_is_a_POST_of_data_and_sender()
    {
        var form = CcipClient.BuildRequest("https://gw.example/{sender}", Sender, CallData);
        Assert.True(form.IsPost);
        Assert.Equal("https://gw.example/0xabcdef0123456789abcdef0123456789abcdef01", form.Url);
        Assert.Equal("{\"data\":\"0x9061b92301ff\",\"sender\":\"0xabcdef0123456789abcdef0123456789abcdef01\"}", form.PostBody);
    }

    [Theory]
    [InlineData("{\"data\":\"0x0102\"}", "0x0102")]
    [InlineData("{\"other\":[1,{\"x\":2}],\"data\":\"0xABCD\"}", "0xabcd")]
    public void A_gateway_answer_yields_its_data(string body, string expected)
    {
        Assert.True(CcipClient.TryParseResponseBody(System.Text.Encoding.UTF8.GetBytes(body), out var data, out var error), error?.Message);
        Assert.Equal(expected, Hex.Encode(data));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"data\":1}")]
    [InlineData("{\"data\":\"0x01\",\"data\":\"0x02\"}")]
    [InlineData("{\"data\":\"zz\"}")]
    [InlineData("{\"message\":\"x\"}")]
    [InlineData("{\"data\":\"0x01\"} trailing")]
    public void A_malformed_gateway_answer_is_refused(string body)
    {
        Assert.False(CcipClient.TryParseResponseBody(System.Text.Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.StartsWith("ccip.response.", error.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_callback_is_called_with_the_answer_and_the_extra_data()
    {
        var call = CcipClient.CallbackCall(Selectors.ResolveWithProof, [1, 2], [3]);
        Assert.True(AbiCodec.TryDecodeCall(call, Selectors.ResolveWithProof, [AbiType.Bytes, AbiType.Bytes], out var values, out _));
        Assert.Equal([1, 2], ((AbiValue.Bytes)values[0]).Value);
        Assert.Equal([3], ((AbiValue.Bytes)values[1]).Value);
    }

    [Fact]
    public void OffchainLookup_reverts_are_recognised_by_selector()
    {
        var revert = OffchainLookup.EncodeRevertData(new OffchainLookupData(Sender, ["https://gw.example/{sender}/{data}"], CallData, Selectors.ResolveWithProof, []));
        Assert.True(CcipClient.IsOffchainLookup(revert));
        Assert.False(CcipClient.IsOffchainLookup([0x08, 0xc3, 0x79, 0xa0]));
        Assert.False(CcipClient.IsOffchainLookup([]));
    }

    [Fact]
    public void Results_decode_strictly()
    {
        var word = new byte[32];
        Assert.False(Ensip10.DecodeBool(word));
        word[31] = 1;
        Assert.True(Ensip10.DecodeBool(word));
        word[0] = 1;
        Assert.False(Ensip10.DecodeBool(word));
        Assert.True(Ensip10.TryDecodeString([], out var empty, out _));
        Assert.Equal("", empty);
        Assert.True(Ensip10.TryDecodeString(AbiCodec.Encode(new AbiValue.Text("data:x")), out var text, out _));
        Assert.Equal("data:x", text);
        Assert.True(Ensip10.TryDecodeAddress(AbiCodec.Encode(new AbiValue.Address(Sender)), out var address, out _));
        Assert.Equal(Sender, address);
        Assert.False(Ensip10.TryDecodeAddress([1, 2, 3], out _, out _));
        Assert.True(Ensip10.IsZeroAddress(new byte[20]));
    }
}
