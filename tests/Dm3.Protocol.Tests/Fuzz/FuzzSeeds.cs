using System.Text;
using Dm3.Protocol.Abi;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// Valid inputs of every format, built with the protocol APIs from fixed keys and fixed randomness, so that they
/// (and therefore every mutation of them) are identical on every run.
/// </summary>
internal static class FuzzSeeds
{
    public const long NowSeconds = 1_736_942_400; // 2025-01-15T12:00:00Z
    public const string MessageText = "hello bob, this is a fuzz seed \u00e9\ud83d\ude00";

    public static readonly ProfileKeys Alice = ProfileKeys.FromSeed(Fill(0xA1));
    public static readonly ProfileKeys Bob = ProfileKeys.FromSeed(Fill(0xB0));
    public static readonly ProfileKeys Ds = ProfileKeys.FromSeed(Fill(0xD5));
    public static readonly byte[] WalletKey = Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes("dm3 fuzz wallet"));
    public static readonly byte[] WalletAddress = Ethereum.AddressFromPrivateKey(WalletKey);
    public static readonly byte[] JwtKey = Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes("dm3 fuzz jwt key"));
    public static readonly byte[] SymmetricKey = Hashes.Sha256(System.Text.Encoding.UTF8.GetBytes("dm3 fuzz symmetric key"));

    public static readonly UserProfile Profile = Alice.ToUserProfile(["ds.dm3.eth", "backup-ds.dm3.eth"]);
    public static readonly SignedUserProfile SignedProfile = SignedUserProfile.Sign(Profile, WalletKey);
    public static readonly string SignedProfileJson = SignedProfile.ToCanonicalJson();

    public static readonly Message SeedMessage = Dm3.Protocol.Messaging.Message.CreateSigned(
        new MessageMetadata("bob.eth", "alice.eth", 1_736_942_400_123, MessageType.New, ReferenceMessageHash: "0x" + new string('1', 64)),
        MessageText, [new Attachment("data:text/plain;base64,aGk=", "a.txt")], Alice.SigningPrivateKey);

    public static readonly string MessageJson = SeedMessage.ToCanonicalJson();

    public static readonly EncryptionEnvelope Envelope = EnvelopeBuilder.Build(
        SeedMessage, Bob.EncryptionPublicKey, Ds.EncryptionPublicKey, Alice.SigningPrivateKey, MessageHashField.MessageHash, null, FixedEncryptor(1));

    public static readonly EncryptionEnvelope EnvelopeNpm = EnvelopeBuilder.Build(
        SeedMessage, Bob.EncryptionPublicKey, Ds.EncryptionPublicKey, Alice.SigningPrivateKey, MessageHashField.EncryptedMessageHash, "https://ds.example/reply", FixedEncryptor(7));

    public static readonly EncryptionEnvelope PostmarkedEnvelope = Postmarker.AddPostmark(Envelope, Ds.SigningPrivateKey, Bob.EncryptionPublicKey, NowSeconds * 1000, FixedEncryptor(13))
        .WithDeliveryInformation(new DeliveryInformation("bob.eth", "alice.eth"));

    public static readonly string AsymmetricPayloadJson = PayloadEncryption.EncryptAsymmetric(Bob.EncryptionPublicKey, MessageText, Fill(0x42), Fill(0x24)[..12]).ToCanonicalJson();
    public static readonly string SymmetricPayloadJson = PayloadEncryption.EncryptSymmetric(SymmetricKey, MessageText, Fill(0x33)[..12]).ToCanonicalJson();
    public static readonly string DeliveryInformationJson = new DeliveryInformation("bob.eth", "alice.eth", "https://ds.example/reply").ToCanonicalJson();
    public static readonly Postmark SeedPostmark = Postmarker.CreatePostmark(Envelope.Message, Ds.SigningPrivateKey, NowSeconds * 1000);

    public static readonly string AuthToken = DeliveryServiceJwt.CreateAuthToken(JwtKey, "alice.eth", NowSeconds - 10);
    public static readonly string ChallengeToken = DeliveryServiceJwt.CreateChallenge(JwtKey, "alice.eth", "5b0f2c1e-8f7a-4d8e-9a55-0e2f1c3b4d5e", NowSeconds - 10);

    public const string SignedText = "dm3 fuzz: please sign this text";
    public static readonly string SignatureHex = Ethereum.PersonalSign(WalletKey, SignedText);

    public static readonly string[] DnsNameTexts =
    [
        "alice.dm3.eth", "eth", "a.b.c.d.e.f", "caf\u00e9.eth", "0x" + Convert.ToHexStringLower(WalletAddress) + ".addr.dm3.eth", "\ud83d\ude00.xyz",
        string.Join('.', Enumerable.Repeat(new string('q', 63), 3)),
    ];

    public static readonly string[] EnsNameTexts =
    [
        "alice.dm3.eth", "0x" + Convert.ToHexStringLower(WalletAddress) + ".addr.dm3.eth", "ds.dm3.eth", "a-b.c0.eth", "x.y",
    ];

    public const string SiweFull =
        "https://service.org wants you to sign in with your Ethereum account:\n0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\n"
        + "I accept the ServiceOrg Terms of Service: https://service.org/tos\n\nURI: https://service.org/login\nVersion: 1\nChain ID: 1\n"
        + "Nonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z\nExpiration Time: 2031-09-30T16:25:24.000Z\nNot Before: 2021-09-30T16:25:24Z\n"
        + "Request ID: some_id\nResources:\n- ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu\n- https://example.com/my-web2-claim.json";

    public static readonly string SiweOurs = Dm3Siwe.FormatStrict(Dm3Siwe.Compose(
        "app.myapp.example", WalletAddress, "Allow this app to manage your dm3 app profile for myapp.eth.", "https://app.myapp.example/messaging", 1,
        "a1b2c3d4e5f60718293a4b5c6d7e8f90", DateTimeOffset.FromUnixTimeSeconds(NowSeconds), DateTimeOffset.FromUnixTimeSeconds(NowSeconds + 300),
        ["urn:dm3:lsp:app:myapp.eth", "urn:dm3:lsp:scope:query", "urn:dm3:lsp:scope:register", "urn:dm3:lsp:scope:escrow"]));

    public const string App = "myapp.eth";
    public static readonly LspKeys Lsp = LspKeyDerivation.FromEntropy(Fill(0x5A));
    public static readonly (byte[] PrivateKey64, byte[] PublicKey32) MainProfileKeys = Ed25519.KeyPairFromSeed(Fill(0x77));
    public const string ProfileHash = "0xfc4b0b1f733b18f69a91787933860966e77e07cef0b7d5a5c6720b1dd206d338";

    public static readonly string LinkMessageText = new LinkMessage(LinkMessageType.Link, "app.myapp.example", "https://app.myapp.example/messaging", 1,
        WalletAddress, "0c1d2e3f405162738495a6b7c8d9eafb", DateTimeOffset.FromUnixTimeSeconds(NowSeconds), DateTimeOffset.FromUnixTimeSeconds(NowSeconds + (7 * 86400)),
        Lsp.LspName(App), "alice.eth", ProfileHash).Format();

    public static readonly LinkAttestation Attestation =
        new LinkAttestation("alice.eth", Lsp.LspName(App), ProfileHash, NowSeconds, NowSeconds + 86400).Sign(MainProfileKeys.PrivateKey64);

    // ---- CCIP / ABI ----
    public static readonly byte[] Resolver = Convert.FromHexString("8464135c8f25da09e49bc8782676a84730c318bc");
    public static readonly byte[] AliceDns = EnsNames.DnsEncode("alice.dm3.eth");
    public static readonly byte[] AliceNode = EnsNames.Namehash("alice.dm3.eth");

    public static readonly byte[][] CcipCalldata =
    [
        CcipCalls.Outer(ResolverFamily.EnsOffchainResolver, AliceDns, CcipCalls.Text(AliceNode, ProfileTextRecord.ProfileKey)),
        CcipCalls.Outer(ResolverFamily.Dm3Resolver, AliceDns, CcipCalls.Addr(AliceNode), [1, 2, 3]),
        CcipCalls.Outer(ResolverFamily.EnsOffchainResolver, AliceDns, CcipCalls.Multicall([CcipCalls.Addr(AliceNode), CcipCalls.AddrCoin(AliceNode, 60), CcipCalls.ContentHash(AliceNode)])),
    ];

    public static readonly byte[] ResponseData = CcipSigning.SignResponseWithKey(WalletKey, ResolverFamily.EnsOffchainResolver, Resolver, 1_736_946_000,
        CcipCalldata[0], CcipResults.Text(ProfileTextRecord.Encode(SignedProfileJson))).Data;

    public static readonly byte[] RevertData = OffchainLookup.EncodeRevertData(
        OffchainLookup.ForResolver(ResolverFamily.EnsOffchainResolver, Resolver, ["https://ccip.dm3.example/{sender}/{data}.json", "https://backup.example/"], AliceDns, CcipCalls.Text(AliceNode, "avatar")));

    /// <summary>(types, encoding) pairs for the generic ABI decoder.</summary>
    public static readonly (AbiType[] Types, byte[] Data)[] AbiPayloads =
    [
        ([AbiType.Bytes, AbiType.Uint64, AbiType.Bytes], AbiCodec.Encode(new AbiValue.Bytes(System.Text.Encoding.UTF8.GetBytes("result")), AbiValue.Uint.U64(1_736_946_000), new AbiValue.Bytes(new byte[65]))),
        ([AbiType.String], AbiCodec.Encode(new AbiValue.Text("data:application/json,{\"a\":\"caf\u00e9\"}"))),
        ([AbiType.BytesArray], AbiCodec.Encode(AbiValue.List.OfBytes([[1], [], new byte[33], System.Text.Encoding.UTF8.GetBytes("x")]))),
        ([AbiType.Address, AbiType.StringArray, AbiType.Bytes32], AbiCodec.Encode(new AbiValue.Address(WalletAddress), AbiValue.List.OfStrings(["a", "", "\u00e9"]), new AbiValue.FixedBytes(AliceNode))),
        ([AbiType.TupleOf(AbiType.Bytes, AbiType.Uint256), AbiType.Bytes4], AbiCodec.Encode(new AbiValue.Tuple([new AbiValue.Bytes([9, 9]), AbiValue.Uint.U256(System.Numerics.BigInteger.Pow(2, 200))]), new AbiValue.FixedBytes([1, 2, 3, 4]))),
    ];

    public static byte[] Fill(byte value) => Enumerable.Repeat(value, 32).ToArray();

    /// <summary>Asymmetric encryption with ephemeral keys and nonces derived from a counter: the envelopes are byte-for-byte stable.</summary>
    private static AsymmetricEncryptor FixedEncryptor(int start)
    {
        var counter = start;
        return (publicKey, plaintext) =>
        {
            var draw = Hashes.Sha256(BitConverter.GetBytes(counter++));
            return PayloadEncryption.EncryptAsymmetric(publicKey, plaintext, draw, draw.AsSpan(20, 12));
        };
    }
}
