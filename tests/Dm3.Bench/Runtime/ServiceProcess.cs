using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Dm3.Bench.Runtime;

/// <summary>
/// A child process started by a suite (Azurite, the backend, a node server). Its output is kept (last 20,000
/// characters) for failure messages; it is killed on dispose and, as a safety net, when the bench process exits.
/// Only processes started here are ever killed, by their own handle.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Stopwatch _sinceStart = new();
    private readonly TaskCompletionSource<TimeSpan> _watched = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _watchFor;

    static ServiceProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ServiceProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>When (since the process start) the first output line containing the watched text appeared.</summary>
    public Task<TimeSpan> WatchedLine => _watched.Task;

    /// <summary>The first stdout line (node servers print their ready line there).</summary>
    public Task<string> FirstLine => _firstLine.Task;

    /// <summary>
    /// Starts <paramref name="fileName"/> with a clean-ish environment: the inherited one without app settings
    /// (names containing "__", DM3_LOCAL_SETTINGS, ASPNETCORE_*), plus <paramref name="environment"/>.
    /// </summary>
    public static ServiceProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory, bool redirectInput = false, string? watchFor = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.Contains("__", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || key is "DM3_LOCAL_SETTINGS" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(key);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NODE_NO_WARNINGS"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, name) { _watchFor = watchFor };
        process.OutputDataReceived += (_, e) => service.Append(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data, stdout: false);
        service._sinceStart.Start();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start ({fileName})");
        }

        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true; throws with the process output on time-out or exit.</summary>
    public async Task WaitReadyAsync(Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        Exception? last = null;
        while (stopwatch.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Tail(Output, 4000)}");
            }

            try
            {
                if (await probe(cancellationToken))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Net.Sockets.SocketException)
            {
                last = e;
            }

            await Task.Delay(interval, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s{(last is null ? "" : ": " + last.Message)}\n{Tail(Output, 4000)}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // already gone, or it did not die in time: nothing more to do from here
        }
        finally
        {
            Running.TryRemove(_process.Id, out _);
            _process.Dispose();
        }
    }

    public static string Tail(string text, int max) => text.Length <= max ? text.Trim() : "…" + text[^max..].Trim();

    private static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }
    }

    private void Append(string? line, bool stdout)
    {
        if (line is null)
        {
            if (stdout)
            {
                _firstLine.TrySetResult("");
            }

            return;
        }

        if (stdout)
        {
            _firstLine.TrySetResult(line);
        }

        if (_watchFor is not null && line.Contains(_watchFor, StringComparison.Ordinal))
        {
            _watched.TrySetResult(_sinceStart.Elapsed);
        }

        lock (_gate)
        {
            _output.AppendLine(line);
            if (_output.Length > 40_000)
            {
                _output.Remove(0, _output.Length - 20_000);
            }
        }
    }
}
