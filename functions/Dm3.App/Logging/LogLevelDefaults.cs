using Microsoft.Extensions.Options;

namespace Dm3.App.Logging;

/// <summary>
/// Default log levels, applied only where the configuration says nothing: our own categories (<c>Dm3.*</c>) at
/// Information (the logging default), ASP.NET Core at Warning (it logs several Information lines per request: request
/// start/finish, endpoint executing/executed — costly on the gateway's hot path), <c>Microsoft.Hosting.Lifetime</c> at
/// Information ("Now listening on", "Application started"), System.Net.Http and the Azure SDK (<c>Azure.*</c>) at Warning.
/// <list type="bullet">
/// <item>A configured <c>Logging:LogLevel:Default</c> (e.g. <c>Logging__LogLevel__Default=Debug</c>) switches every
/// default off: the configured level then applies to every category that is not configured itself.</item>
/// <item>A configured category (or a prefix of it, e.g. <c>Logging__LogLevel__Microsoft</c>) replaces that default.</item>
/// <item>Provider-specific levels (<c>Logging:Console:LogLevel:…</c>) win anyway (logging's own rule selection).</item>
/// </list>
/// </summary>
internal sealed class LogLevelDefaults(IConfiguration configuration) : IConfigureOptions<LoggerFilterOptions>
{
    public const string LogLevelSection = "Logging:LogLevel";

    internal static IReadOnlyList<(string Category, LogLevel Level)> Defaults { get; } =
    [
        ("Microsoft.AspNetCore", LogLevel.Warning),
        ("Microsoft.Hosting.Lifetime", LogLevel.Information),
        ("System.Net.Http", LogLevel.Warning),
        // The Azure SDK clients (Microsoft.Extensions.Azure forwards their event sources): one line per request and
        // response at Information would flood the log on every Table and Queue call.
        ("Azure", LogLevel.Warning),
    ];

    public void Configure(LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = configuration.GetSection(LogLevelSection);
        var configured = section.GetChildren().Where(c => !string.IsNullOrWhiteSpace(c.Value)).Select(c => c.Key).ToList();
        if (configured.Contains("Default", StringComparer.OrdinalIgnoreCase))
        {
            return;
        }
        foreach (var (category, level) in Defaults)
        {
            if (!configured.Any(c => Governs(c, category)))
            {
                options.Rules.Add(new LoggerFilterRule(providerName: null, categoryName: category, logLevel: level, filter: null));
            }
        }
    }

    /// <summary>Whether a configured category name also sets the level of <paramref name="category"/> (same name, or a dotted prefix of it).</summary>
    private static bool Governs(string configured, string category) =>
        string.Equals(configured, category, StringComparison.OrdinalIgnoreCase)
        || (category.StartsWith(configured, StringComparison.OrdinalIgnoreCase) && category[configured.Length] == '.')
        || category.StartsWith(configured.TrimEnd('*'), StringComparison.OrdinalIgnoreCase) && configured.EndsWith('*');
}
