namespace Dm3.App.Tests.Runtime.Support;

internal static class RepositoryFiles
{
    /// <summary>The repository root (the folder holding Dm3.Serverless.sln and the ./dev script).</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The built Dm3.Host.dll next to its runtimeconfig (the test output, or the app's own bin folder).</summary>
    public static string AppDll
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "Dm3.Host.dll");
            if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "Dm3.Host.runtimeconfig.json")))
            {
                return local;
            }
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var built = PathOf("functions", "Dm3.Host", "bin", configuration, "net10.0", "Dm3.Host.dll");
            return File.Exists(built) ? built : throw new FileNotFoundException("Build functions/Dm3.Host first.", built);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dm3.Serverless.sln")) && File.Exists(Path.Combine(dir.FullName, "dev")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("The repository root (Dm3.Serverless.sln + dev) was not found above " + AppContext.BaseDirectory);
    }
}
