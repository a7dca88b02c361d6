using System.Text.Json.Nodes;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Tests.Messaging;

/// <summary>Replays the ephemeral keys and nonces that a vector's library run consumed, in order.</summary>
internal sealed class FixedRandomness
{
    private readonly Queue<(byte[] EphemeralPrivate, byte[] Nonce)> _draws = new();

    public FixedRandomness(string randomnessConsumedInOrderJson)
    {
        var items = JsonNode.Parse(randomnessConsumedInOrderJson)!.AsArray();
        for (var i = 0; i < items.Count; i += 2)
        {
            Assert.Equal("ephemeralKeyPair", (string)items[i]!["kind"]!);
            Assert.Equal("aeadNonce", (string)items[i + 1]!["kind"]!);
            var priv = Convert.FromBase64String((string)items[i]!["privateKeyB64"]!);
            var nonceHex = (string)items[i + 1]!["nonceHex"]!;
            _draws.Enqueue((priv, Convert.FromHexString(nonceHex[2..])));
        }
    }

    public int Remaining => _draws.Count;

    public AsymmetricEncryptor Encryptor => (publicKey, plaintext) =>
    {
        var (priv, nonce) = _draws.Dequeue();
        return PayloadEncryption.EncryptAsymmetric(publicKey, plaintext, priv, nonce);
    };
}
