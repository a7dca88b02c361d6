using System.Numerics;
using System.Text.Json.Nodes;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Ccip;

public sealed class CcipGatewayVectorTests
{
    private const string Category = "ccipGateway";

    public static IEnumerable<object[]> Ids => SharedData.Ids(Category);

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Ccip_gateway_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector(Category, id);
        if (id == "offchain-lookup-revert-data")
        {
            RevertData(v);
        }
        else
        {
            GatewayExchange(v);
        }
    }

    private static void GatewayExchange(JsonObject v)
    {
        var key = v.HexBytes("inputs.gatewaySignerPrivateKeyHex");
        var target = v.HexBytes("inputs.targetResolverAddressText");
        var expires = ulong.Parse(v.Str("inputs.expiresUnixSecondsText"), System.Globalization.CultureInfo.InvariantCulture);
        var name = v.Str("inputs.nameText");
        var innerCallText = v.Str("inputs.innerCallText");
        var family = v.Str("inputs.requestFormText").StartsWith("resolveWithContext(", StringComparison.Ordinal)
            ? ResolverFamily.Dm3Resolver
            : ResolverFamily.EnsOffchainResolver;

        Assert.Equal(v.Str("expected.gatewaySignerAddressText"), Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(key)));

        // Names and calls, built from the inputs alone.
        var dns = EnsNames.DnsEncode(name);
        Assert.Equal(v.Str("expected.dnsEncodedNameHex"), Hex.Encode(dns));
        var node = EnsNames.Namehash(name);
        Assert.Equal(v.Str("expected.nodeHex"), Hex.Encode(node));
        var inner = BuildInnerCall(innerCallText, node);
        Assert.Equal(v.Str("expected.innerCalldataHex"), Hex.Encode(inner));
        var context = family == ResolverFamily.Dm3Resolver ? v.HexBytes("inputs.contextHex") : [];
        var calldata = CcipCalls.Outer(family, dns, inner, context);
        Assert.Equal(v.Str("expected.calldataHex"), Hex.Encode(calldata));

        // HTTP forms: we produce them byte for byte and parse them back.
        Assert.Equal(v.Str("expected.getPathText"), CcipHttp.FormatGetPath(target, calldata));
        Assert.Equal(v.Str("expected.postBodyJson"), CcipHttp.FormatPostBody(target, calldata));
        Assert.True(CcipHttp.TryParseGetPath(v.Str("expected.getPathText"), out var fromGet, out var getError), getError?.Message);
        Assert.Equal(new CcipGatewayCall(target, calldata), fromGet);
        Assert.True(CcipHttp.TryParsePostBody(v.Str("expected.postBodyJson"), out var fromPost, out var postError), postError?.Message);
        Assert.Equal(new CcipGatewayCall(target, calldata), fromPost);

        // Gateway decoding.
        Assert.True(CcipRequest.TryDecode(calldata, out var request, out var decodeError), decodeError?.Message);
        Assert.Equal(family, request.Family);
        Assert.Equal(name, request.Name);
        Assert.Equal(node, request.Node);
        Assert.Equal(inner, request.InnerCalldata);
        Assert.Equal(calldata, request.Calldata);
        if (family == ResolverFamily.Dm3Resolver)
        {
            Assert.Equal(context, request.Context);
        }
        else
        {
            Assert.Null(request.Context);
        }

        // The result: stored values come from the name (its address) or, for the profile text, from the vector.
        var expectedResult = v.HexBytes("expected.resultHex");
        var result = CcipResults.Encode(request.Query, family, q => Lookup(q, innerCallText, v));
        Assert.Equal(Hex.Encode(expectedResult), Hex.Encode(result));
        Assert.Equal(v.Str("expected.requestKeccakHex"), Hex.Encode(Hashes.Keccak256(calldata)));
        Assert.Equal(v.Str("expected.resultKeccakHex"), Hex.Encode(Hashes.Keccak256(result)));

        // Signing.
        Assert.Equal(v.Str("expected.signedPackedBytesHex"), Hex.Encode(CcipSigning.SignedBytes(target, expires, calldata, result)));
        var messageHash = CcipSigning.MessageHash(target, expires, calldata, result);
        Assert.Equal(v.Str("expected.messageHashHex"), Hex.Encode(messageHash));
        Assert.Equal(messageHash, CcipSigning.DigestToSign(ResolverFamily.EnsOffchainResolver, messageHash));
        Assert.Equal(v.Str("expected.dm3PrefixedDigestHex"), Hex.Encode(CcipSigning.Dm3PrefixedDigest(messageHash)));
        Assert.Equal(v.Str("expected.dm3PrefixedDigestHex"), Hex.Encode(CcipSigning.DigestToSign(ResolverFamily.Dm3Resolver, target, expires, calldata, result)));

        // Both signature variants (every vector gives both, whatever its request form).
        CheckVariant(v, "rawDigest", ResolverFamily.EnsOffchainResolver, key, target, expires, calldata, result);
        CheckVariant(v, "dm3", ResolverFamily.Dm3Resolver, key, target, expires, calldata, result);
        Assert.Equal(
            v.Str("expected.rawDigestSignatureCompact64Hex"),
            Hex.Encode(CcipSigning.ToCompact64(v.HexBytes("expected.rawDigestSignature65Hex"))));

        if (v.Has("expected.ensOffchainResolverExtraDataHex"))
        {
            Assert.Equal(v.Str("expected.ensOffchainResolverExtraDataHex"), Hex.Encode(CcipCalls.EnsExtraData(calldata, target)));
        }
    }

    private static void CheckVariant(JsonObject v, string prefix, ResolverFamily variant, byte[] key, byte[] target, ulong expires, byte[] calldata, byte[] result)
    {
        var expectedSignature = v.HexBytes($"expected.{prefix}Signature65Hex");
        var signed = CcipSigning.SignResponseWithKey(key, variant, target, expires, calldata, result);
        Assert.Equal(v.Str($"expected.{prefix}ResponseDataHex"), Hex.Encode(signed.Data));
        Assert.Equal(v.Str($"expected.{prefix}ResponseBodyJson"), signed.BodyJson);

        // Assembling from an externally produced signature gives the same answer.
        var assembled = CcipSigning.AssembleResponse(result, expires, expectedSignature);
        Assert.Equal(signed, assembled);

        Assert.True(CcipSigning.TryDecodeResponseData(signed.Data, out var data, out var error), error?.Message);
        Assert.Equal(new CcipResponseData(result, expires, expectedSignature), data);

        Assert.True(CcipSigning.TryRecoverSigner(variant, target, calldata, data, out var signer, out error), error?.Message);
        Assert.Equal(Ethereum.AddressFromPrivateKey(key), signer);

        // The 64-byte EIP-2098 form recovers the same signer (accepted on input, never emitted).
        var compact = new CcipResponseData(result, expires, CcipSigning.ToCompact64(expectedSignature));
        Assert.True(CcipSigning.TryRecoverSigner(variant, target, calldata, compact, out var signer64, out error), error?.Message);
        Assert.Equal(signer, signer64);
    }

    private static void RevertData(JsonObject v)
    {
        var sender = v.HexBytes("inputs.senderText");
        var urls = new[] { v.Str("inputs.urlTemplateText") };
        var name = v.Str("inputs.nameText");
        var dns = EnsNames.DnsEncode(name);
        var inner = CcipCalls.Text(EnsNames.Namehash(name), "network.dm3.profile");
        var context = Hex.Decode("0x3333333333333333333333333333333333333333");

        var ens = OffchainLookup.ForResolver(ResolverFamily.EnsOffchainResolver, sender, urls, dns, inner);
        Assert.Equal(v.Str("expected.ensStyleRevertDataHex"), Hex.Encode(OffchainLookup.EncodeRevertData(ens)));
        var dm3 = OffchainLookup.ForResolver(ResolverFamily.Dm3Resolver, sender, urls, dns, inner, context);
        Assert.Equal(v.Str("expected.dm3StyleRevertDataHex"), Hex.Encode(OffchainLookup.EncodeRevertData(dm3)));

        foreach (var (field, expected) in new[] { ("expected.ensStyleRevertDataHex", ens), ("expected.dm3StyleRevertDataHex", dm3) })
        {
            Assert.True(OffchainLookup.TryDecodeRevertData(v.HexBytes(field), out var decoded, out var error), error?.Message);
            Assert.Equal(expected, decoded);
            Assert.Equal(Selectors.ResolveWithProof, decoded.CallbackFunction);

            // The callData a client forwards is exactly what the gateway decodes.
            Assert.True(CcipRequest.TryDecode(decoded.CallData, out var request, out error), error?.Message);
            Assert.Equal(name, request.Name);
            Assert.Equal(new RecordQuery.Text(name, EnsNames.Namehash(name), "network.dm3.profile"), request.Query);
        }
    }

    private static byte[] BuildInnerCall(string innerCallText, byte[] node)
    {
        if (innerCallText.StartsWith("text(bytes32,string) key ", StringComparison.Ordinal))
        {
            var key = innerCallText["text(bytes32,string) key ".Length..].Split(' ')[0];
            return CcipCalls.Text(node, key);
        }

        if (innerCallText.StartsWith("addr(bytes32,uint256) coinType ", StringComparison.Ordinal))
        {
            return CcipCalls.AddrCoin(node, BigInteger.Parse(innerCallText["addr(bytes32,uint256) coinType ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal("addr(bytes32)", innerCallText);
        return CcipCalls.Addr(node);
    }

    private static RecordValue? Lookup(RecordQuery query, string innerCallText, JsonObject v)
    {
        switch (query)
        {
            case RecordQuery.Text text when innerCallText.EndsWith("(not set)", StringComparison.Ordinal):
                Assert.Equal("avatar", text.Key);
                return null;
            case RecordQuery.Text text:
                {
                    Assert.Equal("network.dm3.profile", text.Key);
                    // The stored record value: the vector's own result string (its profile record, or "hello").
                    Assert.True(AbiCodec.TryDecode(v.HexBytes("expected.resultHex"), [AbiType.String], out var values, out _));
                    var value = ((AbiValue.Text)values[0]).Value;
                    if (v.Str("inputs.resultRuleText").Contains("\"hello\"", StringComparison.Ordinal))
                    {
                        Assert.Equal("hello", value);
                    }

                    return new RecordValue.Text(value);
                }

            case RecordQuery.Addr or RecordQuery.AddrCoin:
                Assert.True(AddressName.TryParse(query.Name, out var addressName, out _));
                return new RecordValue.Address(addressName.Address);
            default:
                throw new InvalidOperationException("unexpected query " + query);
        }
    }
}
