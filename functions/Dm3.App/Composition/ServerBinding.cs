using System.Globalization;
using Dm3.App.Configuration;

namespace Dm3.App.Composition;

/// <summary>
/// Where Kestrel listens. host.json passes <c>--urls http://127.0.0.1:%FUNCTIONS_CUSTOMHANDLER_PORT%</c>; if those
/// arguments are changed or dropped, the handler still binds <c>127.0.0.1:&lt;FUNCTIONS_CUSTOMHANDLER_PORT&gt;</c> (the host
/// only calls loopback; functions-custom-handler.md §2) as long as nothing else chose the addresses
/// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>/<c>DOTNET_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> or a
/// <c>Kestrel:Endpoints</c> section). The slim builder leaves HTTPS out; it is added back when an https address is configured.
/// </summary>
internal static class ServerBinding
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        var httpPorts = configuration[WebHostDefaults.HttpPortsKey];
        var httpsPorts = configuration[WebHostDefaults.HttpsPortsKey];
        var kestrelEndpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

        if ((urls?.Contains("https:", StringComparison.OrdinalIgnoreCase) ?? false) || !string.IsNullOrWhiteSpace(httpsPorts) || kestrelEndpoints
            || configuration.GetSection("Kestrel:Certificates").GetChildren().Any())
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        if (!string.IsNullOrWhiteSpace(urls) || !string.IsNullOrWhiteSpace(httpPorts) || !string.IsNullOrWhiteSpace(httpsPorts) || kestrelEndpoints)
        {
            return;
        }
        if (HostPort(configuration) is { } port)
        {
            builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        }
    }

    /// <summary>The port the Functions host gave us, when it is a valid port (otherwise RuntimeSettings reports the setting).</summary>
    internal static int? HostPort(IConfiguration configuration) =>
        int.TryParse(configuration[RuntimeSettings.CustomHandlerPortSetting], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : null;
}
