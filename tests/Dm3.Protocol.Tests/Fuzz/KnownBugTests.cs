using System.Text.Json.Nodes;
using Dm3.Protocol.Messaging;
using Xunit.Abstractions;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// Inputs the robustness suite found to be mishandled. Each test asserts the CORRECT behaviour and therefore fails
/// until the parser is fixed; the main fuzz tests tolerate these cases so that they keep guarding everything else.
/// </summary>
public sealed class KnownBugTests(ITestOutputHelper output)
{
    /// <summary>
    /// Found by <c>envelope/$.metadata.messageHash:string-upper</c>. EncryptionEnvelope.TryParse accepts
    /// <c>messageHash</c> with a "0X" prefix and/or upper-case digits and exposes it verbatim as
    /// <see cref="EncryptionEnvelope.MessageHash"/>, the dedup and acknowledgement id (storage key). The same message
    /// then has several ids, and an acknowledgement with the lower-case hash does not find it. Expected: reject
    /// anything but "0x" + 64 lower-case hex digits, or normalise MessageHash to that spelling.
    /// </summary>
    [Theory]
    [Trait("Category", "KnownBug")]
    [InlineData("upper-prefix-and-digits")]
    [InlineData("upper-digits")]
    public void Known_bug_envelope_message_hash_is_not_normalised_so_one_message_has_several_ids(string variant)
    {
        var original = FuzzSeeds.Envelope.MessageHash;
        var mutated = variant == "upper-digits" ? "0x" + original[2..].ToUpperInvariant() : original.ToUpperInvariant();
        var json = (JsonObject)JsonNode.Parse(FuzzSeeds.Envelope.CanonicalJson)!;
        json["metadata"]!["messageHash"] = mutated;
        var text = json.ToJsonString();

        var ok = EncryptionEnvelope.TryParse(text, out var envelope, out var error);
        output.WriteLine($"seed envelope (FuzzSeeds.Envelope) with metadata.messageHash = {mutated}: TryParse = {ok}, MessageHash = {envelope?.MessageHash}, error = {error?.Code}");
        Assert.True(!ok || envelope!.MessageHash == original,
            $"EncryptionEnvelope.TryParse accepted messageHash {mutated} and exposes it verbatim as MessageHash (expected rejection or {original}); input: {FuzzRunner.DescribeText(text)}");
    }
}
