using System.Collections.Concurrent;
using System.Globalization;
using Dm3.App.Tests.ProbeFindings.Support;
using Xunit.Abstractions;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// The probe's fuzz, repeated after the fixes: 2,400 seeded raw requests over every public route, on real sockets to the
/// real Kestrel host (chunked framing errors, Content-Length mismatches, odd charsets and media types, huge and many
/// headers, bad JSON and UTF-8, wrong methods, bad tokens and queries). No answer may be a 5xx (except Kestrel's 505 for
/// an HTTP version other than 1.x, which RFC 9110 prescribes), no log line an error.
/// </summary>
public sealed class RouteFuzzTests(ProbeHost host, ITestOutputHelper output) : IClassFixture<ProbeHost>
{
    private const int Inputs = 2_400;

    [Fact]
    public async Task Thousands_of_malformed_requests_over_every_route_never_get_a_5xx()
    {
        var inputs = FuzzInputs.Generate(Inputs, seed: 20261206);
        var statuses = new ConcurrentDictionary<int, int>();
        var families = new ConcurrentDictionary<string, int>();
        var serverErrors = new ConcurrentBag<string>();
        var unanswered = new ConcurrentBag<string>();
        var logStart = host.LogLines.Count;
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (input, _) =>
        {
            var response = await host.SendAsync(input.Request, input.HangUp);
            statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
            families.AddOrUpdate(input.Family, 1, (_, n) => n + 1);
            if (response.Status == 505 && UnsupportedVersion(input.Request))
            {
                // RFC 9110 §15.6.6: Kestrel's required answer to "HTTP/9.9", before any of our code runs.
            }
            else if (response.Status >= 500)
            {
                serverErrors.Add($"{response.Status} for {input.Family}: {Head(input.Request)}");
            }
            else if (response.Status == 0 && !input.HangUp)
            {
                unanswered.Add($"{input.Family}: {Head(input.Request)}");
            }
        });

        output.WriteLine($"{inputs.Count} inputs in {started.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine("by family: " + string.Join(", ", families.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value}")));
        output.WriteLine("by status: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture))} × {s.Value}")));
        Assert.True(serverErrors.IsEmpty, $"{serverErrors.Count} × 5xx:\n" + string.Join("\n", serverErrors.Take(20))
            + "\nserver log:\n" + string.Join("\n", host.LogLines.Skip(logStart).Where(l => !l.Contains("info:", StringComparison.Ordinal)).Take(60)));
        Assert.True(unanswered.IsEmpty, $"{unanswered.Count} complete requests got no answer:\n" + string.Join("\n", unanswered.Take(20)));

        await Task.Delay(500);
        var errors = host.LogLines.Skip(logStart).Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal)
            || l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} error or stack-trace log lines:\n" + string.Join("\n", errors.Take(20)));
    }

    private static bool UnsupportedVersion(byte[] request)
    {
        var firstLine = System.Text.Encoding.UTF8.GetString(request, 0, Math.Min(request.Length, 30000)).Split("\r\n")[0];
        return !firstLine.EndsWith(" HTTP/1.1", StringComparison.Ordinal) && !firstLine.EndsWith(" HTTP/1.0", StringComparison.Ordinal);
    }

    private static string Head(byte[] request)
    {
        var text = System.Text.Encoding.UTF8.GetString(request, 0, Math.Min(request.Length, 400));
        return text.ReplaceLineEndings("⏎");
    }
}
