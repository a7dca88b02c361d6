using System.CommandLine;
using System.Reflection;

namespace Dm3.Bench;

/// <summary>
/// One `bench &lt;name&gt;` subcommand. Subclasses are found by reflection, so a new suite is a new file:
/// derive from this class, give it a public parameterless constructor, a <see cref="Name"/> and an <see cref="Order"/>.
/// </summary>
internal abstract class BenchSuite
{
    /// <summary>The subcommand name (e.g. "protocol", "gateway").</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>Position when `bench` runs every suite (ascending).</summary>
    public virtual int Order => 100;

    /// <summary>Whether `bench` without a subcommand runs this suite (diagnostic suites opt out).</summary>
    public virtual bool InDefaultRun => true;

    /// <summary>Adds suite-specific options. When every suite runs from the root command they keep their defaults.</summary>
    public virtual void AddOptions(Command command)
    {
    }

    /// <summary>Runs the suite and prints its figures. Returns the process exit code (0 = the benchmark ran; figures are not judged).</summary>
    public abstract Task<int> RunAsync(BenchSettings settings, ParseResult parseResult, CancellationToken cancellationToken);

    public static IReadOnlyList<BenchSuite> Discover() =>
        typeof(BenchSuite).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(BenchSuite).IsAssignableFrom(t))
            .Select(t => (BenchSuite)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Order)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToArray();
}

/// <summary>Options common to every suite.</summary>
internal sealed record BenchSettings(TimeSpan Duration, int Rounds, bool SkipNode, string RepositoryRoot)
{
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Math.Clamp(Duration.TotalSeconds / 2, 0.3, 2.0));

    public static BenchSettings From(ParseResult parseResult, Option<double> seconds, Option<int> rounds, Option<bool> noNode)
    {
        var s = parseResult.GetValue(seconds);
        if (!(s > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), "--seconds must be positive.");
        }

        var r = parseResult.GetValue(rounds);
        if (r < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), "--rounds must be at least 1.");
        }

        return new BenchSettings(TimeSpan.FromSeconds(s), r, parseResult.GetValue(noNode), FindRepositoryRoot());
    }

    /// <summary>DM3_REPO_ROOT, else the nearest ancestor of the current directory or of the binary holding Dm3.Serverless.sln.</summary>
    public static string FindRepositoryRoot()
    {
        if (Environment.GetEnvironmentVariable("DM3_REPO_ROOT") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Dm3.Serverless.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

internal static class AssemblyInfo
{
    public static string Runtime => $".NET {Environment.Version} ({RuntimeInformationText()})";

    private static string RuntimeInformationText() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, "
        + (typeof(AssemblyInfo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?");
}
