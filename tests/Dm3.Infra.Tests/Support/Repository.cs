namespace Dm3.Infra.Tests.Support;

/// <summary>Paths of the deployable package inside the repository (found by walking up to azure.yaml).</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string MainParameters => Path.Combine(Infra, "main.parameters.json");

    public static string Modules => Path.Combine(Infra, "modules");

    public static string AzureYaml => Path.Combine(Root, "azure.yaml");

    public static string Module(string fileName) => Path.Combine(Modules, fileName);

    public static IReadOnlyList<string> AllBicepFiles() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every file of the deployable package that could carry a secret: Bicep, parameters, azure.yaml, scripts.</summary>
    public static IReadOnlyList<string> AllDeploymentFiles() =>
        Directory.EnumerateFiles(Infra, "*", SearchOption.AllDirectories)
            .Append(AzureYaml)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static BicepDocument LoadMain() => BicepDocument.Load(MainBicep);

    public static BicepDocument LoadModule(string fileName) => BicepDocument.Load(Module(fileName));

    public static IReadOnlyList<BicepDocument> LoadAll() => AllBicepFiles().Select(BicepDocument.Load).ToList();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "azure.yaml")) && Directory.Exists(Path.Combine(dir.FullName, "infra")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"azure.yaml and infra/ not found above {AppContext.BaseDirectory}");
    }
}
