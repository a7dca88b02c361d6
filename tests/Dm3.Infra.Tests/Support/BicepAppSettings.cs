namespace Dm3.Infra.Tests.Support;

/// <summary>One app setting of the Function App as declared in Bicep: its name and value expression.</summary>
internal sealed record AppSetting(string Name, string ValueExpression)
{
    /// <summary>True when the value is an <c>@Microsoft.KeyVault(SecretUri=…)</c> reference.</summary>
    public bool IsKeyVaultReference => ValueExpression.StartsWith("'@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal);

    /// <summary>True when the setting is written only under a condition (its value may be empty, which drops it).</summary>
    public bool IsConditional => ValueExpression.Contains('?', StringComparison.Ordinal);
}

/// <summary>
/// The app settings of the deployment, read from their single source: the <c>appSettings</c> variable of
/// infra/modules/functionapp.bicep. Meant for cross-checks against the program's options, function.json
/// <c>%Setting%</c> references and local.settings.sample.json.
/// </summary>
internal static class BicepAppSettings
{
    public const string ModuleFileName = "functionapp.bicep";

    public const string VariableName = "appSettings";

    public static IReadOnlyList<AppSetting> Load() => Read(Repository.LoadModule(ModuleFileName));

    public static IReadOnlyList<string> Names() => Load().Select(s => s.Name).ToList();

    public static IReadOnlyList<AppSetting> Read(BicepDocument functionApp)
    {
        var declaration = functionApp.Variable(VariableName);
        return BicepObject.Parse(declaration.Text).Properties
            .Select(p => new AppSetting(p.Key, p.Value))
            .ToList();
    }
}
