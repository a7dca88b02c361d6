using System.CommandLine;

namespace Dm3.Bench.Runtime;

/// <summary>Suite options that keep their defaults when every suite runs from the root command (where they are not defined).</summary>
internal static class SuiteOptions
{
    public static Option<T> Create<T>(string name, string description, T defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    public static T ValueOrDefault<T>(this ParseResult parseResult, Option<T> option, T defaultValue)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return parseResult.GetResult(option) is null ? defaultValue : parseResult.GetValue(option) ?? defaultValue;
    }
}
