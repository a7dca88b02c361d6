using System.Text.RegularExpressions;

namespace Dm3.Infra.Tests.Support;

internal enum BicepDeclarationKind
{
    TargetScope,
    Param,
    Var,
    Resource,
    Module,
    Output,
    Other,
}

/// <summary>
/// One top-level statement of a Bicep file with the decorators written before it.
/// <see cref="Text"/> is comment-free source; <see cref="LeadingComments"/> are the comments just above it.
/// </summary>
internal sealed record BicepDeclaration(
    BicepDeclarationKind Kind,
    string Name,
    string Text,
    IReadOnlyList<string> Decorators,
    IReadOnlyList<string> LeadingComments,
    int Line)
{
    public bool HasDecorator(string name) =>
        Decorators.Any(d => Regex.IsMatch(d, $@"^@{Regex.Escape(name)}\b"));

    /// <summary>The argument text of a decorator such as <c>@description('…')</c>, or null.</summary>
    public string? DecoratorArgument(string name)
    {
        var decorator = Decorators.FirstOrDefault(d => Regex.IsMatch(d, $@"^@{Regex.Escape(name)}\s*\("));
        if (decorator is null)
        {
            return null;
        }
        var open = decorator.IndexOf('(', StringComparison.Ordinal);
        var close = decorator.LastIndexOf(')');
        return close > open ? decorator[(open + 1)..close].Trim() : null;
    }
}

internal sealed record BicepParam(BicepDeclaration Declaration, string Type, string? DefaultValue)
{
    public string Name => Declaration.Name;
}

internal sealed record BicepResource(BicepDeclaration Declaration, string Type, string ApiVersion, bool IsExisting, string Body)
{
    public string Name => Declaration.Name;

    public string FullType => $"{Type}@{ApiVersion}";
}

internal sealed record BicepModule(BicepDeclaration Declaration, string Path, string Body)
{
    public string Name => Declaration.Name;
}

internal sealed record BicepOutput(BicepDeclaration Declaration, string Type, string Value)
{
    public string Name => Declaration.Name;
}

/// <summary>
/// A Bicep file split into its top-level declarations. Statements end at a line break outside every bracket,
/// brace, parenthesis and string, which is Bicep's own rule; decorator lines attach to the next declaration.
/// </summary>
internal sealed partial class BicepDocument
{
    private BicepDocument(string path, string source, BicepLexer lexer, IReadOnlyList<BicepDeclaration> declarations)
    {
        Path = path;
        Source = source;
        Lexer = lexer;
        Declarations = declarations;
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public string Source { get; }

    public BicepLexer Lexer { get; }

    /// <summary>The source without comments.</summary>
    public string Code => Lexer.Code;

    public IReadOnlyList<BicepDeclaration> Declarations { get; }

    public static BicepDocument Load(string path) => Parse(File.ReadAllText(path), path);

    public static BicepDocument Parse(string source, string path = "inline.bicep")
    {
        var lexer = BicepLexer.Read(source);
        return new BicepDocument(path, source, lexer, Split(source, lexer));
    }

    public string? TargetScope =>
        Declarations.Where(d => d.Kind == BicepDeclarationKind.TargetScope)
            .Select(d => TargetScopeRegex().Match(d.Text))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .FirstOrDefault();

    public IEnumerable<BicepParam> Params =>
        Declarations.Where(d => d.Kind == BicepDeclarationKind.Param).Select(d =>
        {
            var m = ParamRegex().Match(d.Text);
            return new BicepParam(d, m.Groups["type"].Value, m.Groups["default"].Success ? m.Groups["default"].Value.Trim() : null);
        });

    public IEnumerable<BicepResource> Resources =>
        Declarations.Where(d => d.Kind == BicepDeclarationKind.Resource).Select(d =>
        {
            var m = ResourceRegex().Match(d.Text);
            return new BicepResource(d, m.Groups["type"].Value, m.Groups["api"].Value, m.Groups["existing"].Success, m.Groups["body"].Value);
        });

    public IEnumerable<BicepModule> Modules =>
        Declarations.Where(d => d.Kind == BicepDeclarationKind.Module).Select(d =>
        {
            var m = ModuleRegex().Match(d.Text);
            return new BicepModule(d, m.Groups["path"].Value, m.Groups["body"].Value);
        });

    public IEnumerable<BicepOutput> Outputs =>
        Declarations.Where(d => d.Kind == BicepDeclarationKind.Output).Select(d =>
        {
            var m = OutputRegex().Match(d.Text);
            return new BicepOutput(d, m.Groups["type"].Value, m.Groups["value"].Value.Trim());
        });

    public BicepDeclaration Variable(string name) =>
        Declarations.Single(d => d.Kind == BicepDeclarationKind.Var && d.Name == name);

    public BicepParam Param(string name) => Params.Single(p => p.Name == name);

    public IEnumerable<BicepResource> ResourcesOfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    private static List<BicepDeclaration> Split(string source, BicepLexer lexer)
    {
        var code = lexer.Code;
        var spans = OuterStringSpans(lexer);
        var result = new List<BicepDeclaration>();
        var decorators = new List<string>();
        var firstDecoratorOffset = -1;
        var depth = 0;
        var statementStart = -1;
        var spanIndex = 0;

        for (var i = 0; i <= code.Length; i++)
        {
            if (spanIndex < spans.Count && i == spans[spanIndex].Offset)
            {
                if (statementStart < 0)
                {
                    statementStart = i;
                }
                i = spans[spanIndex].End - 1;
                spanIndex++;
                continue;
            }

            var c = i < code.Length ? code[i] : '\n';
            if (c is '{' or '[' or '(')
            {
                depth++;
            }
            else if (c is '}' or ']' or ')')
            {
                depth--;
            }

            if (statementStart < 0 && !char.IsWhiteSpace(c))
            {
                statementStart = i;
            }

            if (c == '\n' && depth <= 0 && statementStart >= 0)
            {
                var text = code[statementStart..i].Trim();
                if (text.StartsWith('@'))
                {
                    decorators.Add(text);
                    if (firstDecoratorOffset < 0)
                    {
                        firstDecoratorOffset = statementStart;
                    }
                }
                else if (text.Length > 0)
                {
                    var commentsAbove = firstDecoratorOffset >= 0 ? firstDecoratorOffset : statementStart;
                    result.Add(Declare(source, statementStart, commentsAbove, text, decorators));
                    decorators = [];
                    firstDecoratorOffset = -1;
                }
                statementStart = -1;
                depth = 0;
            }
        }
        return result;
    }

    private static List<BicepStringLiteral> OuterStringSpans(BicepLexer lexer)
    {
        var outer = new List<BicepStringLiteral>();
        foreach (var s in lexer.Strings.OrderBy(s => s.Offset).ThenByDescending(s => s.End))
        {
            if (outer.Count == 0 || s.Offset >= outer[^1].End)
            {
                outer.Add(s);
            }
        }
        return outer;
    }

    private static BicepDeclaration Declare(string source, int offset, int commentsAbove, string text, List<string> decorators)
    {
        var line = LineOf(source, offset);
        var keyword = KeywordRegex().Match(text);
        var kind = keyword.Groups[1].Value switch
        {
            "targetScope" => BicepDeclarationKind.TargetScope,
            "param" => BicepDeclarationKind.Param,
            "var" => BicepDeclarationKind.Var,
            "resource" => BicepDeclarationKind.Resource,
            "module" => BicepDeclarationKind.Module,
            "output" => BicepDeclarationKind.Output,
            _ => BicepDeclarationKind.Other,
        };
        var name = kind is BicepDeclarationKind.TargetScope or BicepDeclarationKind.Other ? keyword.Groups[1].Value : keyword.Groups[2].Value;
        return new BicepDeclaration(kind, name, text, decorators, LeadingComments(source, LineOf(source, commentsAbove)), line);
    }

    private static int LineOf(string source, int offset) => source.AsSpan(0, offset).Count('\n') + 1;

    // The comment lines directly above a declaration's first line (its first decorator, if any).
    private static List<string> LeadingComments(string source, int line)
    {
        var lines = source.Split('\n');
        var comments = new List<string>();
        for (var i = line - 2; i >= 0; i--)
        {
            var trimmed = lines[i].Trim();
            if (!trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                break;
            }
            comments.Insert(0, trimmed[2..].Trim());
        }
        return comments;
    }

    [GeneratedRegex(@"^(targetScope|param|var|resource|module|output|func|type|import|metadata)\b\s*(\w*)")]
    private static partial Regex KeywordRegex();

    [GeneratedRegex(@"^targetScope\s*=\s*'(\w+)'")]
    private static partial Regex TargetScopeRegex();

    [GeneratedRegex(@"^param\s+\w+\s+(?<type>\w+)(\s*=\s*(?<default>.*))?$", RegexOptions.Singleline)]
    private static partial Regex ParamRegex();

    [GeneratedRegex(@"^resource\s+\w+\s+'(?<type>[^'@]+)@(?<api>[^']+)'\s*(?<existing>existing)?\s*=\s*(?<body>.*)$", RegexOptions.Singleline)]
    private static partial Regex ResourceRegex();

    [GeneratedRegex(@"^module\s+\w+\s+'(?<path>[^']+)'\s*=\s*(?<body>.*)$", RegexOptions.Singleline)]
    private static partial Regex ModuleRegex();

    [GeneratedRegex(@"^output\s+\w+\s+(?<type>\w+)\s*=\s*(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex OutputRegex();
}
