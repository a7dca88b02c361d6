using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>
/// Evaluates the small part of the template that names things: string literals, parameter defaults, variables and
/// arrays of those, followed from an app setting of functionapp.bicep through the module call in main.bicep. Any
/// other expression is reported as not evaluable (a test then fails and names it) rather than guessed.
/// </summary>
internal static partial class BicepValues
{
    private static readonly Lazy<BicepDocument> s_main = new(Repository.LoadMain);
    private static readonly Lazy<BicepDocument> s_functionApp = new(() => Repository.LoadModule(BicepAppSettings.ModuleFileName));

    /// <summary>The value the deployment gives an app setting (template defaults), e.g. EnvelopesQueue → envelopes.</summary>
    public static string AppSetting(string name)
    {
        var setting = Assert.Single(BicepAppSettings.Load(), s => s.Name == name);
        return InFunctionApp(setting.ValueExpression);
    }

    /// <summary>The values main.bicep passes to a module parameter that is a list (e.g. the queues of storage.bicep).</summary>
    public static IReadOnlyList<string> ModuleListParam(string modulePath, string param)
    {
        var module = Assert.Single(s_main.Value.Modules, m => m.Path == modulePath);
        var expression = BicepObject.Parse(module.Body).Find("params." + param)
            ?? throw new InvalidOperationException($"{modulePath} gets no parameter {param} in main.bicep");
        return List(InMain(expression));
    }

    private static string InFunctionApp(string expression)
    {
        expression = expression.Trim();
        if (Literal(expression) is { } literal)
        {
            return literal;
        }
        if (Identifier().IsMatch(expression))
        {
            // A parameter of the module: what main.bicep passes, else its default.
            var module = Assert.Single(s_main.Value.Modules, m => m.Path == "modules/" + BicepAppSettings.ModuleFileName);
            if (BicepObject.Parse(module.Body).Find("params." + expression) is { } passed)
            {
                return InMain(passed);
            }
            var parameter = s_functionApp.Value.Param(expression);
            return Literal(parameter.DefaultValue ?? "") ?? throw NotEvaluable(expression);
        }
        throw NotEvaluable(expression);
    }

    private static string InMain(string expression)
    {
        expression = expression.Trim();
        if (Literal(expression) is { } literal)
        {
            return literal;
        }
        if (expression.StartsWith('['))
        {
            return expression;
        }
        if (Identifier().IsMatch(expression))
        {
            var variable = s_main.Value.Declarations.SingleOrDefault(d => d.Kind == BicepDeclarationKind.Var && d.Name == expression);
            if (variable is not null)
            {
                return InMain(variable.Text[(variable.Text.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            }
            var parameter = s_main.Value.Param(expression);
            return parameter.DefaultValue is { } list && list.TrimStart().StartsWith('[') ? list
                : Literal(parameter.DefaultValue ?? "") ?? throw NotEvaluable(expression);
        }
        if (expression.StartsWith("union(", StringComparison.Ordinal))
        {
            return expression;
        }
        throw NotEvaluable(expression);
    }

    /// <summary>
    /// An array literal <c>[ a 'b' ]</c> (one item per line or space) of literals and variables, or <c>union(x, y)</c> of
    /// such arrays (array parameters at their defaults).
    /// </summary>
    private static List<string> List(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("union(", StringComparison.Ordinal) && trimmed.EndsWith(')'))
        {
            return TopLevelArguments(trimmed["union(".Length..^1]).SelectMany(a => List(InMain(a))).Distinct(StringComparer.Ordinal).ToList();
        }
        if (!trimmed.StartsWith('[') || !trimmed.EndsWith(']'))
        {
            throw NotEvaluable(text);
        }
        return trimmed[1..^1].Split((char[])['\n', '\r', ' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(InMain).ToList();
    }

    private static IEnumerable<string> TopLevelArguments(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '[' or '(':
                    depth++;
                    break;
                case ']' or ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }

    private static string? Literal(string expression)
    {
        var m = StringLiteral().Match(expression.Trim());
        return m.Success ? m.Groups[1].Value : null;
    }

    private static InvalidOperationException NotEvaluable(string expression) =>
        new($"The cross-check cannot evaluate the Bicep expression `{expression}`; keep names as literals, parameters or variables.");

    [GeneratedRegex(@"^'([^'$\\]*)'$")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
