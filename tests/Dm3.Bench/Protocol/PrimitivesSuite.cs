using System.CommandLine;
using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;

namespace Dm3.Bench.Protocol;

/// <summary>
/// `bench primitives` (diagnostic, not in the default run): ops/s of the building blocks under the protocol rows,
/// ours only, to see where an envelope or profile operation spends its time.
/// </summary>
internal sealed class PrimitivesSuite : BenchSuite
{
    public override string Name => "primitives";

    public override string Description => "Diagnostic: ops/s of our crypto and JSON building blocks (X25519, Ed25519, ChaCha20-Poly1305, BLAKE2b, keccak, secp256k1, canonical JSON).";

    public override int Order => 90;

    public override bool InDefaultRun => false;

    public override Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var f = new ProtocolFixtures();
        var symmetricKey = RandomNumberGenerator.GetBytes(32);
        var text300 = new string('a', 300);
        var signature300 = Ed25519.SignText(f.Sender.SigningPrivateKey, text300);
        var digest = RandomNumberGenerator.GetBytes(32);
        var secpSignature = Secp256k1.SignDigest(f.WalletKey, digest);
        var bytes96 = RandomNumberGenerator.GetBytes(96);
        var bytes200 = RandomNumberGenerator.GetBytes(200);
        var messageJson = f.Message.ToCanonicalJson();
        var encrypted = PayloadEncryption.EncryptAsymmetric(f.ReceiverPublicKey, messageJson);
        var encryptedJson = encrypted.ToCanonicalJson();

        (string Label, Action Run)[] operations =
        [
            ("X25519 base point (public key)", () => X25519.PublicKeyFromPrivate(f.ReceiverPrivateKey)),
            ("X25519 shared secret", () => X25519.SharedSecret(f.ReceiverPrivateKey, f.DeliveryServicePublicKey)),
            ("Ed25519 sign 300 B text", () => Ed25519.SignText(f.Sender.SigningPrivateKey, text300)),
            ("Ed25519 verify 300 B text", () => Ed25519.VerifyText(f.Sender.SigningPublicKey, text300, signature300)),
            ("ChaCha20-Poly1305 encrypt (2048 B pad)", () => PayloadEncryption.EncryptSymmetric(symmetricKey, messageJson)),
            ("encrypt asymmetric (message)", () => PayloadEncryption.EncryptAsymmetric(f.ReceiverPublicKey, messageJson)),
            ("decrypt asymmetric (priv only)", () => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, encryptedJson, out _, out _)),
            ("decrypt asymmetric (key pair)", () => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, f.ReceiverPublicKey, encrypted, out _, out _)),
            ("BLAKE2b-512 96 B", () => Hashes.Blake2b512(bytes96)),
            ("keccak-256 200 B", () => Hashes.Keccak256(bytes200)),
            ("SHA-256 200 B", () => Hashes.Sha256(bytes200)),
            ("secp256k1 sign digest", () => Secp256k1.SignDigest(f.WalletKey, digest)),
            ("secp256k1 recover", () => Secp256k1.TryRecover(digest, secpSignature, out _, out _)),
            ("canonical JSON of a Message", () => f.Message.ToCanonicalJson()),
            ("Message parse", () => Message.TryParse(messageJson, out _, out _)),
            ("base64 encode 96 B", () => Base64Std.Encode(bytes96)),
            ("EnvelopeBuilder.Build", () => EnvelopeBuilder.Build(f.Message, f.ReceiverPublicKey, f.DeliveryServicePublicKey, f.Sender.SigningPrivateKey, MessageHashField.EncryptedMessageHash)),
            ("EncryptionEnvelope.TryParse", () => EncryptionEnvelope.TryParse(f.EnvelopeJson, out _, out _)),
            ("X25519.GenerateKeyPair", () => X25519.GenerateKeyPair()),
        ];

        Console.WriteLine($"bench primitives: {settings.Duration.TotalSeconds:0.#} s per operation after {settings.WarmUp.TotalSeconds:0.#} s warm-up, one thread; {AssemblyInfo.Runtime}");
        var rows = new List<BenchRow>();
        foreach (var (label, run) in operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows.Add(new BenchRow(label, Measure.OpsPerSecond(run, settings.WarmUp, settings.Duration), null));
        }

        Console.Write(ResultTable.Render(rows, "reference"));
        return Task.FromResult(0);
    }
}
