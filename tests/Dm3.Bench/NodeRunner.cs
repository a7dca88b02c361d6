using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Dm3.Bench;

/// <summary>
/// A node benchmark script kept running in `--serve` mode so that its measurements can be interleaved with ours
/// (the machine's load changes over time; measuring both sides round by round keeps the ratio honest).
/// Protocol, one JSON object per line: the script first prints {"ready":true,"runtime":…,"notes":{…}}; then for each
/// request {"op":key,"seconds":s,"warmUpSeconds":w} it prints {"op":key,"opsPerSecond":n} (or {"error":…}).
/// </summary>
internal sealed class NodeSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private NodeSession(Process process, JsonObject hello)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        Hello = hello;
    }

    /// <summary>The first line: runtime description and per-operation notes.</summary>
    public JsonObject Hello { get; }

    public string? Runtime => Hello["runtime"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public string? Note(string key) => Hello["notes"]?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Starts the script; returns null and an error text when node or the script is unavailable.</summary>
    public static async Task<(NodeSession? Session, string? Error)> StartAsync(string repositoryRoot, string scriptRelativePath, JsonObject config, CancellationToken cancellationToken)
    {
        var script = Path.Combine(repositoryRoot, scriptRelativePath);
        if (!File.Exists(script))
        {
            return (null, $"{scriptRelativePath} not found under {repositoryRoot}");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--serve");
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
            return (null, "cannot start node: " + e.Message);
        }

        var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is null || !TryParseObject(line, out var hello) || hello["ready"]?.GetValue<bool>() != true)
        {
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var exit = process.ExitCode;
            process.Dispose();
            return (null, $"node did not become ready (exit {exit}): {Tail(line + "\n" + errors, 800)}");
        }

        return (new NodeSession(process, hello), null);
    }

    /// <summary>Measures one operation in node; null and an error text when it fails.</summary>
    public async Task<(double? OpsPerSecond, string? Error)> MeasureAsync(string op, TimeSpan duration, TimeSpan warmUp, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["op"] = op, ["seconds"] = duration.TotalSeconds, ["warmUpSeconds"] = warmUp.TotalSeconds };
        await _process.StandardInput.WriteLineAsync(request.ToJsonString().AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is null)
        {
            return (null, "node exited: " + Tail(await _stderr, 800));
        }

        if (!TryParseObject(line, out var reply))
        {
            return (null, "node replied with invalid JSON: " + Tail(line, 200));
        }

        if (reply["error"] is JsonValue error)
        {
            return (null, error.ToString());
        }

        return reply["opsPerSecond"] is JsonValue v && v.TryGetValue<double>(out var ops) ? (ops, null) : (null, "node reply lacks opsPerSecond");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static bool TryParseObject(string line, out JsonObject json)
    {
        json = null!;
        try
        {
            if (JsonNode.Parse(line) is JsonObject obj)
            {
                json = obj;
                return true;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return false;
    }

    private static string Tail(string text, int max) => text.Length <= max ? text.Trim() : text[^max..].Trim();
}
