using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dm3.App.Runtime;

/// <summary>
/// A six-field NCRONTAB schedule <c>{second} {minute} {hour} {day} {month} {day-of-week}</c> in UTC, as the
/// Functions timer trigger uses. Each field accepts <c>*</c>, <c>*/n</c>, numbers, ranges <c>a-b</c>, stepped
/// ranges <c>a-b/n</c> or <c>a/n</c>, and comma lists of these. Day-of-week is 0-6 (7 is also Sunday).
/// As in NCrontab, a time must match both the day and the day-of-week fields.
/// </summary>
public sealed class CronSchedule
{
    private static readonly (string Name, int Min, int Max)[] Fields =
    [
        ("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("day-of-week", 0, 7),
    ];

    private readonly bool[][] _masks;

    private CronSchedule(bool[][] masks, string text)
    {
        _masks = masks;
        Text = text;
    }

    public string Text { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out CronSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        var parts = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
        {
            error = $"expected 6 fields (second minute hour day month day-of-week), got {parts.Length}.";
            return false;
        }
        var masks = new bool[6][];
        for (var i = 0; i < 6; i++)
        {
            var (name, min, max) = Fields[i];
            if (!TryParseField(parts[i], min, max, out masks[i]!, out var fieldError))
            {
                error = $"{name} field '{parts[i]}': {fieldError}";
                return false;
            }
        }
        if (masks[5][7])
        {
            masks[5][0] = true; // 7 = Sunday
        }
        schedule = new CronSchedule(masks, string.Join(' ', parts));
        error = null;
        return true;
    }

    public static CronSchedule Parse(string text) =>
        TryParse(text, out var schedule, out var error) ? schedule : throw new FormatException(error);

    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC), or null if none within 5 years.</summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var t = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_masks[4][t.Month])
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
                continue;
            }
            if (!_masks[3][t.Day] || !_masks[5][(int)t.DayOfWeek])
            {
                t = t.Date.AddDays(1);
                continue;
            }
            if (!_masks[2][t.Hour])
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
                continue;
            }
            if (!_masks[1][t.Minute])
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
                continue;
            }
            if (!_masks[0][t.Second])
            {
                t = t.AddSeconds(1);
                continue;
            }
            return new DateTimeOffset(t, TimeSpan.Zero);
        }
        return null;
    }

    public override string ToString() => Text;

    private static bool TryParseField(string field, int min, int max, out bool[] mask, [NotNullWhen(false)] out string? error)
    {
        mask = new bool[max + 1];
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0)
            {
                error = "empty list item.";
                return false;
            }
            var range = item;
            var step = 1;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                range = item[..slash];
                if (!TryNumber(item[(slash + 1)..], out step) || step < 1 || step > max)
                {
                    error = $"step in '{item}' must be a number from 1 to {max}.";
                    return false;
                }
            }
            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max == 7 ? 6 : max);
            }
            else
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                if (dash >= 0)
                {
                    if (!TryNumber(range[..dash], out from) || !TryNumber(range[(dash + 1)..], out to))
                    {
                        error = $"'{item}' is not a number range.";
                        return false;
                    }
                }
                else
                {
                    if (!TryNumber(range, out from))
                    {
                        error = $"'{item}' is not a number, range or '*'.";
                        return false;
                    }
                    to = slash >= 0 ? (max == 7 ? 6 : max) : from;
                }
                if (from < min || to > max || from > to)
                {
                    error = $"'{item}' is outside {min}-{max} or reversed.";
                    return false;
                }
            }
            for (var v = from; v <= to; v += step)
            {
                mask[v] = true;
            }
        }
        error = null;
        return true;
    }

    private static bool TryNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && text.Length <= 3;
}
