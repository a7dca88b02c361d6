using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;

namespace Dm3.Bench.Protocol;

/// <summary>
/// Inputs shared by both sides of `bench protocol`. The node script builds its own keys from the same parameters
/// (names, message text, EIP-4361 text, CCIP request/result sizes), so both sides do the same work.
/// </summary>
internal sealed class ProtocolFixtures
{
    public const string SenderName = "alice.eth";
    public const string ReceiverName = "bob.eth";
    public const string DeliveryServiceName = "ds.dm3.eth";
    public const string MessageText = "Hi Bob! Are we still on for lunch tomorrow at 12:30? 🍜 Let me know — Alice";
    public const int CcipRequestBytes = 292;  // resolve(bytes,bytes) calldata for text(node, "network.dm3.profile")
    public const int CcipResultBytes = 640;   // ABI-encoded text record holding a profile data URI

    public ProtocolFixtures()
    {
        WalletKey = RandomValidKey();
        Address = Ethereum.AddressFromPrivateKey(WalletKey);
        Sender = ProfileKeys.Generate();
        SignedProfile = SignedUserProfile.Sign(Sender.ToUserProfile([DeliveryServiceName]), WalletKey);
        (ReceiverPrivateKey, ReceiverPublicKey) = X25519.GenerateKeyPair();
        (DeliveryServicePrivateKey, DeliveryServicePublicKey) = X25519.GenerateKeyPair();
        Message = Message.CreateSigned(
            new MessageMetadata(ReceiverName, SenderName, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), MessageType.New),
            MessageText, null, Sender.SigningPrivateKey);
        EnvelopeJson = EnvelopeBuilder.Build(Message, ReceiverPublicKey, DeliveryServicePublicKey, Sender.SigningPrivateKey, MessageHashField.EncryptedMessageHash).CanonicalJson;

        GatewayKey = RandomValidKey();
        CcipTarget = RandomNumberGenerator.GetBytes(20);
        CcipRequest = RandomNumberGenerator.GetBytes(CcipRequestBytes);
        CcipResult = RandomNumberGenerator.GetBytes(CcipResultBytes);
        CcipExpires = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 300;

        SiweText = string.Join('\n',
            "example.com wants you to sign in with your Ethereum account:",
            Ethereum.ToChecksumAddress(Address),
            "",
            "Sign in to dm3 with the account that owns alice.eth.",
            "",
            "URI: https://example.com/login",
            "Version: 1",
            "Chain ID: 1",
            "Nonce: k8Fz3pQ9xY2mN7aB",
            "Issued At: 2024-10-01T12:00:00.000Z",
            "Expiration Time: 2024-10-01T12:10:00Z",
            "Not Before: 2024-10-01T11:59:00Z",
            "Request ID: req-42",
            "Resources:",
            "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
            "- https://example.com/my-web2-claim.json");
        if (!SiweMessage.TryParse(SiweText, out _, out var siweError))
        {
            throw new InvalidOperationException("The bench EIP-4361 text does not parse: " + siweError.Message);
        }

        Limits = new EnvelopeLimits(this);
    }

    public byte[] WalletKey { get; }

    public byte[] Address { get; }

    public ProfileKeys Sender { get; }

    public SignedUserProfile SignedProfile { get; }

    public byte[] ReceiverPrivateKey { get; }

    public byte[] ReceiverPublicKey { get; }

    public byte[] DeliveryServicePrivateKey { get; }

    public byte[] DeliveryServicePublicKey { get; }

    public Message Message { get; }

    /// <summary>The npm-form envelope as sent on the wire (what the receiver opens).</summary>
    public string EnvelopeJson { get; }

    public byte[] GatewayKey { get; }

    public byte[] CcipTarget { get; }

    public byte[] CcipRequest { get; }

    public byte[] CcipResult { get; }

    public ulong CcipExpires { get; }

    public string SiweText { get; }

    /// <summary>The libsodium primitives of the envelope operations, for the limit rows.</summary>
    public EnvelopeLimits Limits { get; }

    public string AddressHex => Hex.Encode(Address);

    private static byte[] RandomValidKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }
}
