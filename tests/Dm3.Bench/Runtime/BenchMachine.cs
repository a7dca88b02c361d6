using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Dm3.Bench.Runtime;

/// <summary>What the figures were measured on: printed with every table of the service suites.</summary>
internal static class BenchMachine
{
    /// <summary>"2 cores (model), load average 1.2 0.9 0.7, .NET 10.0.x, Release".</summary>
    public static string Describe()
    {
        var configuration = typeof(BenchMachine).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?";
        return $"machine: {Environment.ProcessorCount} cores{CpuModel()}, load average {LoadAverage()}; .NET {Environment.Version}, bench {configuration} build";
    }

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg ("n/a" elsewhere).</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3 ? $"{parts[0]} {parts[1]} {parts[2]}" : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "" : " (" + line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() + ")";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string Ms(double? milliseconds) => milliseconds switch
    {
        null => "n/a",
        < 10 => milliseconds.Value.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => milliseconds.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => milliseconds.Value.ToString("0", CultureInfo.InvariantCulture),
    };

    public static string Rate(double? perSecond) => perSecond switch
    {
        null => "n/a",
        >= 100 => Math.Round(perSecond.Value).ToString("N0", CultureInfo.InvariantCulture),
        _ => perSecond.Value.ToString("0.0", CultureInfo.InvariantCulture),
    };

    public static string Number(double? value, string format = "0.00") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}

/// <summary>A Markdown-compatible table with a header, left-aligned first column and right-aligned figures.</summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = Enumerable.Range(0, header.Count).Select(i => rows.Select(r => i < r.Count ? r[i].Length : 0).Append(header[i].Length).Max()).ToArray();
        var sb = new StringBuilder();
        Append(sb, header, widths);
        sb.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            sb.Append(i == 0 ? " :" + new string('-', widths[i] - 1) + " |" : " " + new string('-', widths[i] - 1) + ": |");
        }

        sb.AppendLine();
        foreach (var row in rows)
        {
            Append(sb, row, widths);
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, IReadOnlyList<string> cells, int[] widths)
    {
        sb.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = i < cells.Count ? cells[i] : "";
            sb.Append(' ').Append(i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i])).Append(" |");
        }

        sb.AppendLine();
    }
}
