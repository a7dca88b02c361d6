using System.CommandLine;
using System.Text.Json.Nodes;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Siwe;

namespace Dm3.Bench.Protocol;

/// <summary>
/// `bench protocol`: the protocol hot paths on one thread, then the same operations through the dm3 npm libraries
/// (tests/interop/bench/dm3-libs.mjs), printed side by side. Pass bar: ours ≥ theirs on every row; aim ≥ 5× on the envelope rows.
/// </summary>
internal sealed class ProtocolSuite : BenchSuite
{
    private const string NodeScript = "tests/interop/bench/dm3-libs.mjs";
    private const string BuildLabel = "build+encrypt envelope";
    private const string OpenLabel = "decrypt+verify envelope";

    public override string Name => "protocol";

    public override string Description => "Profile verification, envelope build and open, CCIP signing and EIP-4361 parsing: ours vs the dm3 npm libraries.";

    public override int Order => 10;

    public override async Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var f = new ProtocolFixtures();
        var operations = Operations(f);

        // Every operation must succeed before it is timed: a benchmark of a broken path is worthless.
        foreach (var op in operations)
        {
            op.Run();
            op.Limit?.Invoke();
        }

        Console.WriteLine($"bench protocol: one thread; per operation {settings.Rounds} interleaved round(s) of {settings.Duration.TotalSeconds:0.##} s for each side "
            + $"after {settings.WarmUp.TotalSeconds:0.##} s warm-up; best round reported. {AssemblyInfo.Runtime}; crypto: {Dm3.Protocol.Crypto.Providers.CryptoProvider.Current.Name}");

        NodeSession? node = null;
        var nodeError = settings.SkipNode ? "skipped (--no-node)" : null;
        if (!settings.SkipNode)
        {
            var config = new JsonObject
            {
                ["senderName"] = ProtocolFixtures.SenderName,
                ["receiverName"] = ProtocolFixtures.ReceiverName,
                ["deliveryServiceName"] = ProtocolFixtures.DeliveryServiceName,
                ["messageText"] = ProtocolFixtures.MessageText,
                ["ccipRequestBytes"] = ProtocolFixtures.CcipRequestBytes,
                ["ccipResultBytes"] = ProtocolFixtures.CcipResultBytes,
                ["siweText"] = f.SiweText,
            };
            (node, nodeError) = await NodeSession.StartAsync(settings.RepositoryRoot, NodeScript, config, cancellationToken);
            Console.WriteLine(node is not null ? $"  reference: {node.Runtime} ({NodeScript})" : $"  reference column unavailable: {nodeError}");
        }

        var rows = new List<BenchRow>();
        var limits = new List<BenchRow>();
        try
        {
            foreach (var op in operations)
            {
                double ours = 0;
                double limit = 0;
                double? theirs = null;
                for (var round = 0; round < settings.Rounds; round++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var warmUp = round == 0 ? settings.WarmUp : TimeSpan.Zero;
                    ours = Math.Max(ours, Measure.OpsPerSecond(op.Run, warmUp, settings.Duration));
                    if (op.Limit is not null)
                    {
                        limit = Math.Max(limit, Measure.OpsPerSecond(op.Limit, warmUp, settings.Duration));
                    }

                    if (node is not null && nodeError is null)
                    {
                        var (value, error) = await node.MeasureAsync(op.Key, settings.Duration, warmUp, cancellationToken);
                        nodeError = error;
                        theirs = value is { } v ? Math.Max(theirs ?? 0, v) : theirs;
                    }
                }

                Console.WriteLine($"  {op.Label,-28} ours {ours,12:N0} ops/s   dm3 libs {(theirs is { } t ? t.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "n/a"),10} ops/s");
                rows.Add(new BenchRow(op.Label, ours, nodeError is null ? theirs : null, op.AimRatio, node?.Note(op.Key)));
                if (op.Limit is not null)
                {
                    limits.Add(new BenchRow("LIMIT " + op.Label, ours, limit));
                }
            }
        }
        finally
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        if (nodeError is not null && node is not null)
        {
            Console.WriteLine($"  reference failed: {nodeError}");
        }

        Console.WriteLine();
        Console.Write(ResultTable.Render(rows));
        foreach (var row in rows.Where(r => r.Note is not null))
        {
            Console.WriteLine($"  note ({row.Operation}): {row.Note}");
        }

        PrintVerdict(rows);

        // Limit rows: what the envelope operations would cost if they were nothing but their libsodium primitives.
        Console.WriteLine();
        Console.WriteLine("  limit = the libsodium primitives of the operation (Sodium.Core; SHA-256 from .NET) run back to back: " + string.Join(", ", f.Limits.Describe()));
        Console.Write(ResultTable.Render(limits, "libsodium limit ops/s"));
        foreach (var row in limits)
        {
            Console.WriteLine($"  {row.Operation}: ours = {row.Ratio:P0} of its libsodium limit (aim >= 90 %)");
        }

        return 0;
    }

    private static void PrintVerdict(IReadOnlyList<BenchRow> rows)
    {
        var compared = rows.Where(r => r.Ratio is not null).ToList();
        if (compared.Count == 0)
        {
            Console.WriteLine("  verdict: no dm3-library figures to compare with.");
            return;
        }

        var behind = compared.Where(r => r.Ratio < 1.0).Select(r => r.Operation).ToList();
        var missedAim = compared.Where(r => r.AimRatio > 1.0 && r.Ratio < r.AimRatio).Select(r => $"{r.Operation} (aim {r.AimRatio:0}x)").ToList();
        Console.WriteLine(behind.Count == 0
            ? "  pass bar (ours >= dm3 libs on every compared row): met"
            : "  pass bar (ours >= dm3 libs on every compared row): NOT met on " + string.Join(", ", behind));
        Console.WriteLine(missedAim.Count == 0
            ? "  aim (>= 5x on envelope build and decrypt+verify): met"
            : "  aim (>= 5x on envelope build and decrypt+verify): not met on " + string.Join(", ", missedAim));
    }

    private static BenchOperation[] Operations(ProtocolFixtures f) =>
    [
        new("verifyProfile", "verify SignedUserProfile", 1.0, () =>
        {
            // Canonical profile, creation text, EIP-191 digest, ecrecover, compare (= checkUserProfileWithAddress).
            Check(f.SignedProfile.VerifySignature(f.Address), "profile signature");
        }),
        new("buildEnvelope", BuildLabel, 5.0, () =>
        {
            // A signed message in, the wire JSON out: two asymmetric encryptions, the hash, the metadata signature.
            var envelope = EnvelopeBuilder.Build(f.Message, f.ReceiverPublicKey, f.DeliveryServicePublicKey, f.Sender.SigningPrivateKey, MessageHashField.EncryptedMessageHash);
            Check(envelope.CanonicalJson.Length > 0, "envelope");
        }, f.Limits.Build),
        new("openEnvelope", OpenLabel, 5.0, () =>
        {
            // The wire JSON in: parse, decrypt and parse the message, both signatures, the envelope hash. Like the
            // library's decryptAsymmetric(keyPair, …), the receiver's key pair is given (no public-key derivation).
            Check(EncryptionEnvelope.TryParse(f.EnvelopeJson, out var envelope, out _), "envelope parse");
            Check(EncryptedPayload.TryParse(envelope!.Message, out var payload, out _), "payload parse");
            Check(PayloadEncryption.TryDecryptAsymmetric(f.ReceiverPrivateKey, f.ReceiverPublicKey, payload!, out var plaintext, out _), "message decrypt");
            Check(Message.TryParse(plaintext, out var message, out _), "message parse");
            Check(message!.VerifySignature(f.Sender.SigningPublicKey), "message signature");
            Check(envelope.Metadata.VerifySignature(f.Sender.SigningPublicKey), "metadata signature");
            Check(envelope.EncryptedMessageHashMatches == true, "envelope hash");
        }, f.Limits.Open),
        new("ccipSign", "sign CCIP response digest", 1.0, () =>
        {
            // messageHash = keccak(0x1900‖target‖expires‖keccak(request)‖keccak(result)), then ECDSA (RFC 6979, low s, v).
            var digest = CcipSigning.MessageHash(f.CcipTarget, f.CcipExpires, f.CcipRequest, f.CcipResult);
            Check(Secp256k1.SignDigest(f.GatewayKey, digest).Length == 65, "signature");
        }),
        new("siweParse", "parse EIP-4361 message", 1.0, () =>
        {
            Check(SiweMessage.TryParse(f.SiweText, out _, out _), "EIP-4361 parse");
        }),
    ];

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"bench protocol: {what} failed; the measured path is broken.");
        }
    }

    /// <summary>An operation; <paramref name="Limit"/>, when given, is timed in the same rounds, right after ours.</summary>
    private sealed record BenchOperation(string Key, string Label, double AimRatio, Action Run, Action? Limit = null);
}
