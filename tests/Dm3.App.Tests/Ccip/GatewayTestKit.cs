using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;

namespace Dm3.App.Tests.Ccip;

/// <summary>Builds gateway calldata the way ENS clients do and decodes/verifies the signed answers.</summary>
public static class GatewayTestKit
{
    public static readonly byte[] NodeOwner = Convert.FromHexString("3333333333333333333333333333333333333333");

    public static byte[] Node(string name) => EnsNames.Namehash(name);

    public static byte[] Outer(ResolverFamily family, string name, byte[] inner) =>
        CcipCalls.Outer(family, EnsNames.DnsEncode(name), inner, NodeOwner);

    public static byte[] Text(string name, string key) => CcipCalls.Text(Node(name), key);

    public static byte[] Addr(string name) => CcipCalls.Addr(Node(name));

    public static byte[] AddrCoin(string name, int coin) => CcipCalls.AddrCoin(Node(name), coin);

    public static string GetPath(string sender, byte[] calldata) => "/ccip/" + sender + "/" + Hex.Encode(calldata) + ".json";

    public static async Task<(HttpResponseMessage Response, string Body)> GetAsync(HttpClient client, string sender, byte[] calldata)
    {
        var response = await client.GetAsync(GetPath(sender, calldata));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpResponseMessage Response, string Body)> PostAsync(HttpClient client, string sender, byte[] calldata)
    {
        var response = await client.PostAsJsonAsync("/ccip", new { data = Hex.Encode(calldata), sender });
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Decodes <c>{"data"}</c>, checks the signature recovers to <paramref name="signer"/> for the family, returns the fields.</summary>
    public static CcipResponseData Verify(string body, ResolverFamily family, string sender, byte[] calldata, byte[] signer)
    {
        var data = Hex.Decode((string)JsonNode.Parse(body)!["data"]!);
        Assert.True(CcipSigning.TryDecodeResponseData(data, out var response, out var error), error?.Message);
        Assert.Equal(65, response.Signature.Length);
        Assert.True(CcipSigning.TryRecoverSigner(family, Hex.Decode(sender), calldata, response, out var recovered, out error), error?.Message);
        Assert.Equal(Ethereum.ToLowerAddress(signer), Ethereum.ToLowerAddress(recovered));
        return response;
    }

    public static string DecodeString(byte[] result)
    {
        Assert.True(AbiCodec.TryDecode(result, [AbiType.String], out var values, out var error), error?.Message);
        return ((AbiValue.Text)values[0]).Value;
    }

    public static byte[] DecodeBytes(byte[] result)
    {
        Assert.True(AbiCodec.TryDecode(result, [AbiType.Bytes], out var values, out var error), error?.Message);
        return ((AbiValue.Bytes)values[0]).Value;
    }

    public static byte[] DecodeAddress(byte[] result)
    {
        Assert.True(AbiCodec.TryDecode(result, [AbiType.Address], out var values, out var error), error?.Message);
        return ((AbiValue.Address)values[0]).Value;
    }

    public static IReadOnlyList<byte[]> DecodeBytesArray(byte[] result)
    {
        Assert.True(AbiCodec.TryDecode(result, [AbiType.BytesArray], out var values, out var error), error?.Message);
        return ((AbiValue.List)values[0]).Items.Select(i => ((AbiValue.Bytes)i).Value).ToList();
    }

    public static string? Message(string body) => (string?)JsonNode.Parse(body)!["message"];
}
