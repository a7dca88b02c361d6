using System.Text.RegularExpressions;
using Dm3.App.Tests.Runtime.Support;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// The probe saw Azurite dial out (its telemetry is on unless told otherwise): every place in the repository that starts
/// Azurite — dev scripts, bench helpers, test fixtures — passes <c>--disableTelemetry</c>.
/// </summary>
public sealed partial class AzuriteTelemetryTests
{
    [Fact]
    public void Every_Azurite_start_in_the_repository_disables_telemetry()
    {
        var launchers = new List<string>();
        foreach (var file in RepositoryFilesToScan())
        {
            var text = File.ReadAllText(file);
            if (!AzuriteLaunch().IsMatch(text))
            {
                continue;
            }

            launchers.Add(Path.GetRelativePath(RepositoryFiles.Root, file));
            Assert.True(text.Contains("--disableTelemetry", StringComparison.Ordinal), $"{Path.GetRelativePath(RepositoryFiles.Root, file)} starts Azurite without --disableTelemetry");
        }

        // The known starters are found (the scan itself works): scripts/lib.sh, the bench's LocalServices, the fault tests.
        Assert.Contains(Path.Combine("scripts", "lib.sh"), launchers);
        Assert.Contains(Path.Combine("tests", "Dm3.Bench", "Runtime", "LocalServices.cs"), launchers);
        Assert.Contains(Path.Combine("tests", "Dm3.App.Tests", "Runtime", "FaultTests.cs"), launchers);
    }

    private static IEnumerable<string> RepositoryFilesToScan()
    {
        var self = Path.Combine("ProbeFindings", "AzuriteTelemetryTests.cs");
        foreach (var folder in new[] { "scripts", "tests", ".ci", "functions", "infra" })
        {
            var root = RepositoryFiles.PathOf(folder);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(RepositoryFiles.Root, file);
                if (relative.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || relative.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || relative.Contains("node_modules", StringComparison.Ordinal)
                    || relative.EndsWith(self, StringComparison.Ordinal)
                    || Path.GetExtension(file) is not (".sh" or ".cs" or ".mjs" or ".js" or "" or ".yml" or ".yaml"))
                {
                    continue;
                }

                yield return file;
            }
        }
    }

    /// <summary>An Azurite executable being started: <c>.bin/azurite</c> in a script, <c>".bin", "azurite"</c> in C#, a spawn in node.</summary>
    [GeneratedRegex("""\.bin/azurite|"\.bin",\s*"azurite"|spawn\(\s*['"][^'"]*azurite""")]
    private static partial Regex AzuriteLaunch();
}
