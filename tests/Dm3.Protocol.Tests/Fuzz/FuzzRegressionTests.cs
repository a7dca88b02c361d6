using System.Text.Json.Nodes;
using Dm3.Protocol.Messaging;
using Xunit.Abstractions;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// Inputs the robustness suite once found mishandled, kept as regression tests after the fix.
/// </summary>
public sealed class FuzzRegressionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Found by <c>envelope/$.metadata.messageHash:string-upper</c>: <see cref="EncryptionEnvelope.MessageHash"/> is the
    /// dedup and acknowledgement id (storage key), so a "0X" prefix or upper-case digits would give one message several
    /// ids. The parser now accepts only "0x" + 64 lower-case hex digits.
    /// </summary>
    [Theory]
    [InlineData("upper-prefix-and-digits")]
    [InlineData("upper-digits")]
    public void Envelope_message_hash_has_one_spelling_so_one_message_has_one_id(string variant)
    {
        var original = FuzzSeeds.Envelope.MessageHash;
        var mutated = variant == "upper-digits" ? "0x" + original[2..].ToUpperInvariant() : original.ToUpperInvariant();
        var json = (JsonObject)JsonNode.Parse(FuzzSeeds.Envelope.CanonicalJson)!;
        json["metadata"]!["messageHash"] = mutated;
        var text = json.ToJsonString();

        var ok = EncryptionEnvelope.TryParse(text, out var envelope, out var error);
        output.WriteLine($"seed envelope (FuzzSeeds.Envelope) with metadata.messageHash = {mutated}: TryParse = {ok}, MessageHash = {envelope?.MessageHash}, error = {error?.Code}");
        Assert.False(ok,
            $"EncryptionEnvelope.TryParse accepted messageHash {mutated} (expected rejection); input: {FuzzRunner.DescribeText(text)}");
        Assert.Equal("envelope.metadata.bad_hash", error!.Code);
    }
}
