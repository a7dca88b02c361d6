using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Logging;
using Dm3.App.Runtime;
using Dm3.App.Web;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;

namespace Dm3.Host;

/// <summary>
/// The standalone host: Kestrel serving the features' endpoints (the same handlers the worker's [Function] classes call),
/// the queue pump and the timers. Configuration errors end the process with one line and exit code 1.
/// </summary>
internal static class AppHost
{
    public const int ConfigurationErrorExitCode = 1;

    public static async Task<int> RunAsync(string[] args, long mainTimestamp = 0)
    {
        try
        {
            var app = Build(args, mainTimestamp);
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }
    }

    public static WebApplication Build(string[] args, long mainTimestamp = 0)
    {
        var timeline = new StartupTimeline(mainTimestamp == 0 ? StartupTimeline.Now() : mainTimestamp);

        // The slim builder: no hosting-startup assemblies, IIS, HTTPS/QUIC or EventSource/EventLog/Debug logging
        // providers to load before Kestrel listens (HTTPS is added back below when an https URL is configured).
        // Configuration files are not watched for changes (no inotify watchers over the package folder).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"] });
        var localSettingsPath = LocalSettings.AddTo(builder.Configuration, builder.Environment.ContentRootPath);
        ServerBinding.Configure(builder);

        // Console logging: single-line "simple" by default; Logging__Console__FormatterName=json for JSON lines
        // (the slim builder forces "simple"; a configured formatter name is honoured again here).
        // Levels: LogLevelDefaults (ASP.NET Core at Warning, ours at Information) unless configured.
        builder.Logging.AddConsole();
        builder.Services.AddOptions<ConsoleLoggerOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            if (configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
            {
                options.FormatterName = formatter.Trim();
            }
        });
        builder.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = true;
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(options =>
        {
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        });
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<LoggerFilterOptions>, LogLevelDefaults>();
        builder.Services.AddSingleton(timeline);
        builder.Services.AddHostedService<StartupWarmup>();
        timeline.Configured = StartupTimeline.Now();

        builder.Services.AddDm3(Features.All, builder.Environment.ContentRootPath, HostModel.Standalone);
        builder.Services.AddHostedService<QueuePump>();
        builder.Services.AddHostedService<TimerPump>();
        builder.Services.AddOpenApi();
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
        timeline.Built = StartupTimeline.Now();

        var settings = StartupValidation.Validate(app.Services);
        var keys = app.Services.GetRequiredService<KeyMaterial>();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dm3.App");
        if (localSettingsPath is not null)
        {
            Log.LocalSettingsLoaded(logger, localSettingsPath);
        }
        if (keys.DevKeysPath is not null)
        {
            Log.DevKeysInUse(logger, keys.DevKeysPath);
        }
        Log.Started(logger, "standalone", settings.ActiveFunctions.Count,
            settings.Messaging.Transport.ToString());

        app.UseExceptionHandler();
        app.UseClientFaults();
        app.UseCors();
        app.MapDm3Features(Features.All, settings);
        app.MapOpenApi();
        timeline.Mapped = StartupTimeline.Now();
        return app;
    }
}
