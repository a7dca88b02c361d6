using System.Diagnostics;
using System.Text.Json;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests.Publish;

/// <summary>
/// The worker's deployable package, built once per test run by scripts/publish.sh (= <c>./dev publish</c>; JIT-only to save
/// time) into a temporary folder that is removed when the test process exits. Every test that reads the publish output
/// (functions.metadata, extensions.json, host.json, the zip) shares it.
/// </summary>
internal static class WorkerPackage
{
    private static readonly Lazy<string> s_root = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Root => s_root.Value;

    public static string Package => Path.Combine(Root, "package");

    public static string Zip => Path.Combine(Root, "package.zip");

    /// <summary>functions.metadata: one entry per [Function], with its bindings (Worker.Sdk generates it from the attributes).</summary>
    public static IReadOnlyList<JsonElement> Functions()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Package, "functions.metadata")));
        return document.RootElement.EnumerateArray().Select(f => f.Clone()).ToList();
    }

    /// <summary>The trigger binding of a function entry.</summary>
    public static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    private static string Publish()
    {
        var root = Directory.CreateTempSubdirectory("dm3-worker-publish-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(Repository.Root, "scripts", "publish.sh"), "--out", root, "--no-ready-to-run" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("scripts/publish.sh did not finish within 10 minutes.");
        }

        return process.ExitCode == 0
            ? root
            : throw new InvalidOperationException($"scripts/publish.sh failed ({process.ExitCode}):\n{stderr.Result}\n{stdout.Result}");
    }
}
