using System.CommandLine;
using System.Security.Cryptography;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;

namespace Dm3.Bench.Protocol;

/// <summary>
/// `bench primitives` (diagnostic, not in the default run): ops/s of the building blocks under the protocol rows,
/// to see where an envelope or profile operation spends its time. The alternative column is the same operation on the
/// other path we could take: the managed BouncyCastle provider for the libsodium rows (what a browser runs), and
/// Nethereum.Util for Keccak-256 and EIP-55 (the dependency table in the README cites these rows).
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

        var managed = BouncyCastleCryptoProvider.Instance;
        var nethereumKeccak = new Nethereum.Util.Sha3Keccack();
        var nethereumAddress = new Nethereum.Util.AddressUtil();
        var addressText = Ethereum.ToLowerAddress(f.Address);
        Action OnManaged(Action run) => () =>
        {
            using var scope = CryptoProvider.Use(managed);
            run();
        };

        (string Label, Action Run, Action? Alternative, string? Note)[] operations =
        [
            ("X25519 base point (public key, cached)", () => X25519.PublicKeyFromPrivate(f.ReceiverPrivateKey), null, null),
            ("X25519 shared secret", () => X25519.SharedSecret(f.ReceiverPrivateKey, f.DeliveryServicePublicKey), OnManaged(() => X25519.SharedSecret(f.ReceiverPrivateKey, f.DeliveryServicePublicKey)), "BouncyCastle provider"),
            ("Ed25519 sign 300 B text", () => Ed25519.SignText(f.Sender.SigningPrivateKey, text300), OnManaged(() => Ed25519.SignText(f.Sender.SigningPrivateKey, text300)), "BouncyCastle provider"),
            ("Ed25519 verify 300 B text", () => Ed25519.VerifyText(f.Sender.SigningPublicKey, text300, signature300), OnManaged(() => Ed25519.VerifyText(f.Sender.SigningPublicKey, text300, signature300)), "BouncyCastle provider"),
            ("ChaCha20-Poly1305 encrypt (2048 B pad)", () => PayloadEncryption.EncryptSymmetric(symmetricKey, messageJson), OnManaged(() => PayloadEncryption.EncryptSymmetric(symmetricKey, messageJson)), "BouncyCastle provider"),
            ("encrypt asymmetric (message)", () => PayloadEncryption.EncryptAsymmetric(f.ReceiverPublicKey, messageJson), OnManaged(() => PayloadEncryption.EncryptAsymmetric(f.ReceiverPublicKey, messageJson)), "BouncyCastle provider"),
            ("decrypt asymmetric (priv only)", () => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, encryptedJson, out _, out _), OnManaged(() => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, encryptedJson, out _, out _)), "BouncyCastle provider"),
            ("decrypt asymmetric (key pair)", () => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, f.ReceiverPublicKey, encrypted, out _, out _), OnManaged(() => PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, f.ReceiverPublicKey, encrypted, out _, out _)), "BouncyCastle provider"),
            ("BLAKE2b-512 96 B", () => Hashes.Blake2b512(bytes96), OnManaged(() => Hashes.Blake2b512(bytes96)), "BouncyCastle provider"),
            ("keccak-256 200 B", () => Hashes.Keccak256(bytes200), () => nethereumKeccak.CalculateHash(bytes200), "Nethereum.Util Sha3Keccack"),
            ("EIP-55 checksum address", () => Ethereum.ToChecksumAddress(f.Address), () => nethereumAddress.ConvertToChecksumAddress(addressText), "Nethereum.Util AddressUtil"),
            ("SHA-256 200 B", () => Hashes.Sha256(bytes200), null, null),
            ("secp256k1 sign digest", () => Secp256k1.SignDigest(f.WalletKey, digest), () => LibSecp256k1Sign(f.WalletKey, digest), "NBitcoin.Secp256k1 TrySignRecoverable"),
            ("secp256k1 recover", () => Secp256k1.TryRecover(digest, secpSignature, out _, out _), () => LibSecp256k1Recover(digest, secpSignature), "NBitcoin.Secp256k1 ECPubKey.TryRecover"),
            ("canonical JSON of a Message", () => f.Message.ToCanonicalJson(), null, null),
            ("Message parse", () => Message.TryParse(messageJson, out _, out _), null, null),
            ("base64 encode 96 B", () => Base64Std.Encode(bytes96), null, null),
            ("EnvelopeBuilder.Build", () => EnvelopeBuilder.Build(f.Message, f.ReceiverPublicKey, f.DeliveryServicePublicKey, f.Sender.SigningPrivateKey, MessageHashField.EncryptedMessageHash), null, null),
            ("EncryptionEnvelope.TryParse", () => EncryptionEnvelope.TryParse(f.EnvelopeJson, out _, out _), null, null),
            ("X25519.GenerateKeyPair", () => X25519.GenerateKeyPair(), OnManaged(() => X25519.GenerateKeyPair()), "BouncyCastle provider"),
        ];

        Console.WriteLine($"bench primitives: {settings.Duration.TotalSeconds:0.#} s per operation after {settings.WarmUp.TotalSeconds:0.#} s warm-up, one thread; {AssemblyInfo.Runtime}; crypto: {CryptoProvider.Current.Name}");
        var rows = new List<BenchRow>();
        foreach (var (label, run, alternative, note) in operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ours = Measure.OpsPerSecond(run, settings.WarmUp, settings.Duration);
            double? theirs = alternative is null ? null : Measure.OpsPerSecond(alternative, settings.WarmUp, settings.Duration);
            rows.Add(new BenchRow(label, ours, theirs, Note: note));
        }

        Console.Write(ResultTable.Render(rows, "alternative ops/s"));
        Console.WriteLine("  (wall-clock ops/s: on a loaded machine compare the two columns of a row, measured back to back, not rows with each other)");
        foreach (var row in rows.Where(r => r.Note is not null))
        {
            Console.WriteLine($"  alternative ({row.Operation}): {row.Note}");
        }
        return Task.FromResult(0);
    }

    /// <summary>RFC 6979 low-s recoverable signature by the libsecp256k1 port (the alternative to ours).</summary>
    private static void LibSecp256k1Sign(byte[] privateKey, byte[] digest)
    {
        if (!NBitcoin.Secp256k1.ECPrivKey.TryCreate(privateKey, out var key) || !key.TrySignRecoverable(digest, out _))
        {
            throw new InvalidOperationException("NBitcoin.Secp256k1 could not sign.");
        }

        key.Dispose();
    }

    /// <summary>Public-key recovery by the libsecp256k1 port, from our 65-byte r ‖ s ‖ v.</summary>
    private static void LibSecp256k1Recover(byte[] digest, byte[] signature65)
    {
        if (!NBitcoin.Secp256k1.SecpRecoverableECDSASignature.TryCreateFromCompact(signature65.AsSpan(0, 64), signature65[64] - 27, out var signature)
            || !NBitcoin.Secp256k1.ECPubKey.TryRecover(NBitcoin.Secp256k1.Context.Instance, signature, digest, out _))
        {
            throw new InvalidOperationException("NBitcoin.Secp256k1 could not recover.");
        }
    }
}
