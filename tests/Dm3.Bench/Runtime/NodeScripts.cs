using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Dm3.Bench.Runtime;

/// <summary>Runs the node scripts of tests/interop/bench with a JSON config file.</summary>
internal static class NodeScripts
{
    public const string LoadScript = "tests/interop/bench/http-load.mjs";

    /// <summary>Runs a script to completion and returns its last stdout line as a JSON object (throws with stderr otherwise).</summary>
    public static async Task<JsonObject> RunAsync(string repositoryRoot, string script, JsonObject config, CancellationToken cancellationToken)
    {
        var configFile = Path.Combine(Path.GetTempPath(), $"dm3-bench-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configFile, config.ToJsonString(), cancellationToken);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = repositoryRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(repositoryRoot, script));
            start.ArgumentList.Add("--config-file");
            start.ArgumentList.Add(configFile);
            start.Environment["NODE_NO_WARNINGS"] = "1";
            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var lastLine = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            JsonObject? result = null;
            try
            {
                result = lastLine is null ? null : JsonNode.Parse(lastLine) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
            }

            if (result is null)
            {
                throw new InvalidOperationException($"{script} exited with {process.ExitCode} without a result: {ServiceProcess.Tail(await stderr, 2000)}");
            }

            if (result["error"] is JsonNode error)
            {
                throw new InvalidOperationException($"{script}: {error}");
            }

            return result;
        }
        finally
        {
            File.Delete(configFile);
        }
    }

    /// <summary>Starts a node server script that prints {"ready":true,"url":…} on its first line; stdin closing stops it.</summary>
    public static async Task<(ServiceProcess Process, JsonObject Hello)> StartServerAsync(string repositoryRoot, string script, JsonObject config, string name, CancellationToken cancellationToken)
    {
        var configFile = Path.Combine(Path.GetTempPath(), $"dm3-bench-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configFile, config.ToJsonString(), cancellationToken);
        var process = ServiceProcess.Start(name, "node", [Path.Combine(repositoryRoot, script), "--config-file", configFile], new Dictionary<string, string>(), repositoryRoot, redirectInput: true);
        try
        {
            var line = await process.FirstLine.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            if (JsonNode.Parse(line) is JsonObject hello && hello["ready"]?.GetValue<bool>() == true)
            {
                return (process, hello);
            }

            throw new InvalidOperationException($"{name} did not become ready: {line}\n{ServiceProcess.Tail(process.Output, 2000)}");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        finally
        {
            File.Delete(configFile);
        }
    }
}

/// <summary>One load measurement from http-load.mjs.</summary>
internal sealed record LoadResult(long Requests, long Ok, double Seconds, double Rps, double? P50, double? P90, double? P99, double? Max, long Non2xx, long Errors, string? Sample)
{
    public static LoadResult From(JsonObject json) => new(
        Long(json["requests"]), Long(json["ok"]), Double(json["seconds"]) ?? 0, Double(json["rps"]) ?? 0,
        Double(json["p50"]), Double(json["p90"]), Double(json["p99"]), Double(json["max"]),
        Long(json["non2xx"]), Long(json["errors"]), json["sample"]?.ToString());

    public string Problems => Non2xx + Errors == 0 ? "" : $"{Non2xx} non-2xx, {Errors} errors{(Sample is null ? "" : " (" + Sample + ")")}";

    private static double? Double(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Rps,8:N0} req/s  p50 {BenchMachine.Ms(P50)} ms  p99 {BenchMachine.Ms(P99)} ms  ({Ok} ok in {Seconds:0.0} s){(Problems.Length > 0 ? "  " + Problems : "")}");
}
