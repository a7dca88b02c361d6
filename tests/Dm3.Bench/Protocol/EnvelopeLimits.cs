using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Sodium;

namespace Dm3.Bench.Protocol;

/// <summary>
/// The limit of each envelope operation: the libsodium primitives it cannot avoid, run back to back on inputs of the
/// same sizes (from the bench fixtures) and timed as one operation, interleaved with ours in the same rounds. Ours as a share of that limit says how much the
/// rest (JSON, base64, padding, key handling) costs: 100 % would be crypto alone.
/// </summary>
internal sealed class EnvelopeLimits
{
    private readonly Primitive[] _primitives;

    public EnvelopeLimits(ProtocolFixtures f)
    {
        var sodium = SodiumCryptoProvider.Instance;
        var messagePadded = PayloadEncryption.Pad(Encoding.UTF8.GetBytes(f.Message.ToCanonicalJson()));
        var informationPadded = PayloadEncryption.Pad(Encoding.UTF8.GetBytes(
            new DeliveryInformation(f.Message.Metadata.To, f.Message.Metadata.From).ToCanonicalJson()));
        var envelope = JsonNode.Parse(f.EnvelopeJson)!.AsObject();
        var metadata = envelope["metadata"]!.AsObject().DeepClone().AsObject();
        metadata.Remove("signature");
        var metadataText = Encoding.UTF8.GetBytes(CanonicalJson.Serialize(metadata));
        var messageText = Encoding.UTF8.GetBytes(f.Message.ToCanonicalJson());
        var encryptedMessage = Encoding.UTF8.GetBytes(CanonicalJson.SerializeString(envelope["message"]!.GetValue<string>()));

        var (k, peer, shared, output) = (RandomNumberGenerator.GetBytes(32), f.ReceiverPublicKey, new byte[32], new byte[64]);
        var kxInput = RandomNumberGenerator.GetBytes(96);
        var (key, nonce) = (RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(12));
        var messageSealed = new byte[messagePadded.Length + 16];
        var informationSealed = new byte[informationPadded.Length + 16];
        sodium.ChaCha20Poly1305Seal(key, nonce, messagePadded, messageSealed);
        var opened = new byte[messagePadded.Length];
        var signingKey = f.Sender.SigningPrivateKey;
        var signature = new byte[64];
        var metadataSignature = Sign(sodium, signingKey, metadataText);
        var messageSignature = Sign(sodium, signingKey, messageText);
        var signingPublic = f.Sender.SigningPublicKey;

        _primitives =
        [
            new("X25519 base (ephemeral key)", 2, 0, () => sodium.X25519PublicKey(k, shared)),
            new("X25519 agreement", 2, 1, () => sodium.X25519Agree(k, peer, shared)),
            new("BLAKE2b-512 of 96 B (kx key)", 2, 1, () => sodium.Blake2b(kxInput, output)),
            new($"ChaCha20-Poly1305 seal {messagePadded.Length} B (message)", 1, 0, () => sodium.ChaCha20Poly1305Seal(key, nonce, messagePadded, messageSealed)),
            new($"ChaCha20-Poly1305 seal {informationPadded.Length} B (delivery info)", 1, 0, () => sodium.ChaCha20Poly1305Seal(key, nonce, informationPadded, informationSealed)),
            new($"ChaCha20-Poly1305 open {messagePadded.Length} B (message)", 0, 1, () => Check(sodium.ChaCha20Poly1305Open(key, nonce, messageSealed, opened))),
            new($"SHA-256 of {encryptedMessage.Length} B (envelope hash)", 1, 1, () => SHA256.HashData(encryptedMessage, output)),
            new($"Ed25519 sign {metadataText.Length} B (metadata)", 1, 0, () => sodium.Ed25519Sign(signingKey, metadataText, signature)),
            new($"Ed25519 verify {metadataText.Length} B (metadata)", 0, 1, () => Check(sodium.Ed25519Verify(signingPublic, metadataText, metadataSignature))),
            new($"Ed25519 verify {messageText.Length} B (message)", 0, 1, () => Check(sodium.Ed25519Verify(signingPublic, messageText, messageSignature))),
        ];
    }

    /// <summary>Every primitive of one envelope build, each as often as the build needs it.</summary>
    public void Build()
    {
        foreach (var p in _primitives)
        {
            for (var i = 0; i < p.PerBuild; i++)
            {
                p.Run();
            }
        }
    }

    /// <summary>Every primitive of one envelope open (decrypt+verify), each as often as the open needs it.</summary>
    public void Open()
    {
        foreach (var p in _primitives)
        {
            for (var i = 0; i < p.PerOpen; i++)
            {
                p.Run();
            }
        }
    }

    /// <summary>The primitives and their counts per build and per open, for the bench output.</summary>
    public IEnumerable<string> Describe() => _primitives.Select(p => $"{p.Label} ×{p.PerBuild}/×{p.PerOpen}");

    private static byte[] Sign(ICryptoProvider provider, byte[] key, byte[] message)
    {
        var signature = new byte[64];
        provider.Ed25519Sign(key, message, signature);
        return signature;
    }

    private static void Check(bool ok)
    {
        if (!ok)
        {
            throw new InvalidOperationException("bench protocol: a libsodium primitive failed; the limit would be meaningless.");
        }
    }

    private sealed record Primitive(string Label, int PerBuild, int PerOpen, Action Run);
}
