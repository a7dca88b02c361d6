namespace Dm3.Host;

/// <summary>
/// The slim builder leaves HTTPS out; it is added back when an https address or a Kestrel endpoint/certificate section is
/// configured (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>, <c>Kestrel:Endpoints</c>, <c>Kestrel:Certificates</c>).
/// </summary>
internal static class ServerBinding
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if ((urls?.Contains("https:", StringComparison.OrdinalIgnoreCase) ?? false)
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()
            || configuration.GetSection("Kestrel:Certificates").GetChildren().Any())
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }
    }
}
