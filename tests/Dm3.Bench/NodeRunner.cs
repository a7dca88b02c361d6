using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Dm3.Bench;

/// <summary>Runs a node benchmark script that prints one JSON object on its last stdout line.</summary>
internal static class NodeRunner
{
    public static async Task<NodeResult> RunAsync(string repositoryRoot, string scriptRelativePath, JsonObject config, CancellationToken cancellationToken)
    {
        var script = Path.Combine(repositoryRoot, scriptRelativePath);
        if (!File.Exists(script))
        {
            return NodeResult.Failed($"{scriptRelativePath} not found under {repositoryRoot}");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config.ToJsonString());
        start.Environment["NODE_NO_WARNINGS"] = "1";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return NodeResult.Failed("cannot start node: " + e.Message);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
            {
                return NodeResult.Failed($"node exited with {process.ExitCode}: {Last(errors, 800)}");
            }

            var lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            try
            {
                return lastLine is not null && JsonNode.Parse(lastLine) is JsonObject json
                    ? new NodeResult(json, null)
                    : NodeResult.Failed("node printed no JSON");
            }
            catch (System.Text.Json.JsonException e)
            {
                return NodeResult.Failed("node printed invalid JSON: " + e.Message);
            }
        }
    }

    private static string Last(string text, int max) => text.Length <= max ? text.Trim() : text[^max..].Trim();
}

internal sealed record NodeResult(JsonObject? Json, string? Error)
{
    public static NodeResult Failed(string error) => new(null, error);

    public double? OpsPerSecond(string key) =>
        Json?["ops"]?[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    public string? Note(string key) =>
        Json?["notes"]?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public string? Runtime => Json?["runtime"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
