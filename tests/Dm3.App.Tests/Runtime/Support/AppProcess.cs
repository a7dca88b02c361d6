using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dm3.App.Tests.Runtime.Support;

/// <summary>The built program as a real child process (<c>dotnet Dm3.Host.dll</c>), with its output captured.</summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private readonly bool _ownsDirectory;

    private AppProcess(Process process, string workingDirectory, int port, bool ownsDirectory)
    {
        _ownsDirectory = ownsDirectory;
        _process = process;
        WorkingDirectory = workingDirectory;
        Port = port;
    }

    public int Port { get; }

    public string WorkingDirectory { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<string> Stdout => _stdout.ToArray();

    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    /// <summary>Starts the app in an empty working directory (no local.settings.json) with exactly these settings.</summary>
    public static AppProcess Start(IReadOnlyDictionary<string, string?> settings, string? workingDirectory = null, int? port = null)
    {
        var dir = workingDirectory ?? Directory.CreateTempSubdirectory("dm3-app-").FullName;
        var chosenPort = port ?? FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepositoryFiles.AppDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{chosenPort}");
        // Only what we set: nothing inherited that the program would read as a setting.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.Contains("__", StringComparison.Ordinal) || key.StartsWith("DM3_", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || key.StartsWith("FUNCTIONS_", StringComparison.Ordinal) || key.StartsWith("DOTNET_", StringComparison.Ordinal))
            {
                info.Environment.Remove(key);
            }
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var app = new AppProcess(process, dir, chosenPort, workingDirectory is null);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                app._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                app._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits until GET / answers (as the Functions host does), failing after <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {_process.ExitCode}: {string.Join("\n", Stderr)}\n{string.Join("\n", Stdout.TakeLast(20))}");
            }
            try
            {
                using var response = await http.GetAsync(BaseAddress);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The app did not answer GET / within {timeout}.\n{string.Join("\n", Stdout.TakeLast(20))}");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flush the output readers
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<string> WaitForLogAsync(Func<string, bool> match, TimeSpan timeout, string what) =>
        await TestStorage.EventuallyAsync(() => Task.FromResult(Stdout.FirstOrDefault(match)), timeout, what);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (!_ownsDirectory)
        {
            return;
        }
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
