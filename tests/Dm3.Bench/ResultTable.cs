using System.Globalization;
using System.Text;

namespace Dm3.Bench;

/// <summary>One row: an operation, our ops/s, the reference's ops/s (null = n/a) and the target ratio (for the verdict).</summary>
internal sealed record BenchRow(string Operation, double Ours, double? Theirs, double AimRatio = 1.0, string? Note = null)
{
    public double? Ratio => Theirs is > 0 ? Ours / Theirs : null;
}

/// <summary>Prints `operation | ours ops/s | dm3 libs ops/s | ratio` as a Markdown-compatible table.</summary>
internal static class ResultTable
{
    public static string Render(IReadOnlyList<BenchRow> rows, string theirsHeader = "dm3 libs ops/s")
    {
        string[] header = ["operation", "ours ops/s", theirsHeader, "ratio"];
        var cells = rows.Select(r => new[]
        {
            r.Operation,
            Format(r.Ours),
            r.Theirs is { } t ? Format(t) : "n/a",
            r.Ratio is { } q ? q.ToString("0.0", CultureInfo.InvariantCulture) + "x" : "n/a",
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Select(c => c[i].Length).Append(header[i].Length).Max()).ToArray();

        var sb = new StringBuilder();
        AppendRow(sb, header, widths);
        sb.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            sb.Append(i == 0 ? " :" : " ").Append('-', i == 0 ? widths[i] - 1 : widths[i] - 1).Append(i == 0 ? " |" : ": |");
        }

        sb.AppendLine();
        foreach (var c in cells)
        {
            AppendRow(sb, c, widths);
        }

        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths)
    {
        sb.Append('|');
        for (var i = 0; i < cells.Length; i++)
        {
            sb.Append(' ').Append(i == 0 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i])).Append(" |");
        }

        sb.AppendLine();
    }

    private static string Format(double opsPerSecond) =>
        opsPerSecond >= 100
            ? Math.Round(opsPerSecond).ToString("N0", CultureInfo.InvariantCulture)
            : opsPerSecond.ToString("0.0", CultureInfo.InvariantCulture);
}
