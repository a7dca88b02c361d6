using System.Text.Json;
using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>azure.yaml and main.parameters.json: `azd up` finds the template, the parameters and the app.</summary>
public sealed partial class DeploymentPackageTests
{
    private static readonly IReadOnlyDictionary<string, string> s_azureYaml = SimpleYaml.ReadScalars(File.ReadAllText(Repository.AzureYaml));

    [Fact]
    public void Azure_yaml_deploys_the_functions_worker_to_the_function_app_as_service_api()
    {
        Assert.Equal("function", s_azureYaml["services.api.host"]);
        Assert.Equal("dotnet", s_azureYaml["services.api.language"]);
        Assert.Equal("./functions/Dm3.Functions", s_azureYaml["services.api.project"]);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "functions", "Dm3.Functions", "Dm3.Functions.csproj")));
        Assert.False(s_azureYaml.ContainsKey("services.api.dist"), "azd publishes the worker itself");
        Assert.Equal("bicep", s_azureYaml["infra.provider"]);
        Assert.Equal("infra", s_azureYaml["infra.path"]);
        Assert.Equal("main", s_azureYaml["infra.module"]);
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", s_azureYaml["name"]);
    }

    [Fact]
    public void Azure_yaml_service_name_matches_the_azd_service_name_tag()
    {
        var service = s_azureYaml.Keys.Where(k => k.StartsWith("services.", StringComparison.Ordinal)).Select(k => k.Split('.')[1]).Distinct().Single();
        var tag = Repository.LoadModule("functionapp.bicep").Param("azdServiceName").DefaultValue;
        Assert.Equal($"'{service}'", tag);
    }

    [Fact]
    public void Azure_yaml_hooks_point_at_scripts_that_exist()
    {
        // A hook's `run` is a script path or an inline command (`bash <script> args`, needs `shell`).
        var runs = s_azureYaml.Where(kv => kv.Key.EndsWith(".run", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(runs);
        foreach (var (key, run) in runs)
        {
            var words = run.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var script = words[0] == "bash" ? words[1] : words[0];
            Assert.True(File.Exists(Path.Combine(Repository.Root, script)), $"missing hook script {script} ({key})");
            Assert.Equal("sh", s_azureYaml[key[..^".run".Length] + ".shell"]);
        }
        Assert.Equal("./infra/scripts/ensure-secrets.sh", s_azureYaml["hooks.preprovision.posix.run"]);
    }

    [Fact]
    public void Parameters_file_is_azd_style_and_maps_every_secret_to_an_environment_variable()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.MainParameters));
        var values = json.RootElement.GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString()!);
        Assert.Equal("${AZURE_ENV_NAME}", values["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", values["location"]);
        foreach (var (param, variable) in new[]
        {
            ("dsEncryptionPrivateKey", "DM3_DS_ENCRYPTION_PRIVATE_KEY"),
            ("dsSigningPrivateKey", "DM3_DS_SIGNING_PRIVATE_KEY"),
            ("dsTokenSecret", "DM3_DS_TOKEN_SECRET"),
            ("ownerIndexKey", "DM3_OWNER_INDEX_KEY"),
        })
        {
            Assert.Equal($"${{{variable}}}", values[param]);
            Assert.Contains(variable, File.ReadAllText(Path.Combine(Repository.Infra, "scripts", "ensure-secrets.sh")), StringComparison.Ordinal);
        }
        // Every value is a placeholder: nothing environment-specific (or secret) is committed.
        Assert.All(values.Values, v => Assert.Matches(Placeholder(), v));
    }

    [Fact]
    public void Parameter_file_defaults_equal_the_template_defaults()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.MainParameters));
        var main = Repository.LoadMain();
        foreach (var p in json.RootElement.GetProperty("parameters").EnumerateObject())
        {
            var m = Placeholder().Match(p.Value.GetProperty("value").GetString()!);
            if (!m.Groups["default"].Success)
            {
                continue;
            }
            var templateDefault = main.Param(p.Name).DefaultValue;
            Assert.NotNull(templateDefault);
            Assert.Equal(templateDefault.Trim('\''), m.Groups["default"].Value);
        }
    }

    [GeneratedRegex(@"^\$\{(?<name>[A-Z][A-Z0-9_]*)(=(?<default>[^}]*))?\}$")]
    private static partial Regex Placeholder();
}
