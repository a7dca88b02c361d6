using Xunit.Abstractions;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// Robustness suite: thousands of malformed inputs, generated deterministically (fixed seed, printed) by mutating
/// valid seeds of every wire format. Each parser must return an error value (false + ProtocolError with a code and
/// a message) or, when the mutation happens to leave the input valid, accept it and pass a semantic check (round
/// trip, no altered content verifying, no plaintext that was never sent). Nothing may throw.
/// </summary>
public sealed class ParserRobustnessTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> ParserNames() => FuzzSuite.Reports.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_returns_an_error_value_for_every_malformed_input_and_never_throws(string parser)
    {
        var report = FuzzSuite.Reports[parser].Value;
        output.WriteLine(report.Summary());
        Assert.True(report.FailureCount == 0, report.FailureText());
        Assert.True(report.Rejected >= FuzzSuite.MinRejectedPerParser, $"{parser}: only {report.Rejected} malformed inputs were rejected");
    }

    [Fact]
    public void The_generated_corpus_is_reproducible_from_the_fixed_seed()
    {
        static string[] Generate() =>
        [
            .. FuzzSuite.JsonCorpus("p", FuzzSeeds.SignedProfileJson, FuzzRunner.Rng("repro"), 50, huge: false).Select(c => c.Id + "\u0001" + c.Input),
            .. FuzzSuite.TextCorpus("t", FuzzSeeds.SiweOurs, FuzzRunner.Rng("repro"), 50).Select(c => c.Id + "\u0001" + c.Input),
            .. FuzzSuite.BytesCorpus("b", FuzzSeeds.CcipCalldata[0], FuzzRunner.Rng("repro"), 50).Select(c => c.Id + "\u0001" + Convert.ToHexString(c.Input)),
        ];

        var first = Generate();
        var second = Generate();
        Assert.True(first.Length > 300);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_corpus_holds_at_least_1000_malformed_inputs_across_all_parsers()
    {
        var reports = FuzzSuite.Reports.Values.Select(r => r.Value).ToList();
        output.WriteLine($"fixed seed {FuzzRunner.Seed} (override with DM3_FUZZ_SEED)");
        output.WriteLine($"{"parser",-50} {"inputs",7} {"rejected",9} {"valid",6} {"failed",7} {"ms",7}");
        foreach (var r in reports)
        {
            output.WriteLine($"{r.Parser,-50} {r.Total,7} {r.Rejected,9} {r.AcceptedValid,6} {r.FailureCount,7} {r.Elapsed.TotalMilliseconds,7:F0}");
        }

        var rejected = reports.Sum(r => r.Rejected);
        output.WriteLine($"{"TOTAL",-50} {reports.Sum(r => r.Total),7} {rejected,9} {reports.Sum(r => r.AcceptedValid),6} {reports.Sum(r => r.FailureCount),7} {reports.Sum(r => r.Elapsed.TotalMilliseconds),7:F0}");
        Assert.True(rejected >= 1000, $"only {rejected} malformed inputs were rejected in total");
    }
}
