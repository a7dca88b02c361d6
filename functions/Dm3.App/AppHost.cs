using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Invocation;
using Dm3.App.Logging;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dm3.App;

/// <summary>Builds and runs the web application. Configuration errors end the process with one line and exit code 1.</summary>
internal static class AppHost
{
    public const int ConfigurationErrorExitCode = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var app = Build(args);
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }
    }

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var localSettingsPath = LocalSettings.AddTo(builder.Configuration, builder.Environment.ContentRootPath);

        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = true;
        });

        builder.Services.AddDm3(Features.All, builder.Environment.ContentRootPath);
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<RuntimeSettings>((kestrel, settings) =>
        {
            // decisions §16: gateway GET URLs up to 4,000+ characters; bodies 256 KiB by default.
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.Http.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestLineSize = settings.Http.MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = settings.Http.MaxRequestHeadersBytes;
        });
        builder.Services.AddOptions<HostOptions>().Configure<RuntimeSettings>((host, settings) =>
            host.ShutdownTimeout = settings.Queues.ShutdownGrace + TimeSpan.FromSeconds(15));

        var app = builder.Build();

        // Validate every setting now, with the final configuration (test hosts add theirs during Build).
        var settings = app.Services.GetRequiredService<RuntimeSettings>();
        var keys = app.Services.GetRequiredService<KeyMaterial>();
        var reader = app.Services.GetRequiredService<SettingsReader>();
        foreach (var feature in Features.All)
        {
            feature.ValidateSettings(reader, settings);
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dm3.App");
        if (localSettingsPath is not null)
        {
            Log.LocalSettingsLoaded(logger, localSettingsPath);
        }
        if (keys.DevKeysPath is not null)
        {
            Log.DevKeysInUse(logger, keys.DevKeysPath);
        }
        Log.Started(logger, settings.CustomHandlerMode ? "custom-handler" : "standalone", settings.ActiveFunctions.Count,
            settings.Messaging.Transport.ToString());

        app.UseExceptionHandler();
        foreach (var feature in Features.All)
        {
            feature.MapEndpoints(app, settings);
        }
        if (settings.CustomHandlerMode)
        {
            app.MapInvocationEndpoints(settings.ActiveFunctions);
        }
        app.MapOpenApi();
        return app;
    }
}
