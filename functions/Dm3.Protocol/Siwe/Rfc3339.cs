using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dm3.Protocol.Siwe;

/// <summary>
/// RFC 3339 <c>date-time</c> as used by EIP-4361. Readers accept any RFC 3339 date-time (fractions of any
/// length, numeric offsets, lower-case <c>t</c>/<c>z</c>); anything else is an error value, never "no date".
/// Leap seconds (<c>:60</c>) cannot be represented and are rejected (fail closed).
/// Writers emit <c>YYYY-MM-DDTHH:MM:SSZ</c> (linked-profiles §2.2).
/// </summary>
public static class Rfc3339
{
    /// <summary>Parses an RFC 3339 date-time into an instant.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value, [NotNullWhen(false)] out ProtocolError? error)
    {
        value = default;
        error = null;
        if (text is null)
        {
            error = Fail("missing");
            return false;
        }

        var s = text.AsSpan();
        // full-date "T" partial-time time-offset ; minimum "YYYY-MM-DDTHH:MM:SSZ" (20 chars)
        if (s.Length < 20 || s.Length > 64)
        {
            error = Fail("has the wrong length");
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || (s[10] != 'T' && s[10] != 't')
            || !Digits(s, 11, 2, out var hour) || s[13] != ':' || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
        {
            error = Fail("is not YYYY-MM-DDTHH:MM:SS");
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            error = Fail("names a date that does not exist");
            return false;
        }

        if (hour > 23 || minute > 59 || second > 60)
        {
            error = Fail("names a time of day that does not exist");
            return false;
        }

        if (second == 60)
        {
            error = new ProtocolError("siwe.timestamp_leap_second", "Leap-second timestamps are not supported.");
            return false;
        }

        var i = 19;
        long ticks = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            var scale = TimeSpan.TicksPerSecond / 10;
            while (i < s.Length && Rfc3986.IsDigit(s[i]))
            {
                ticks += (s[i] - '0') * scale; // digits beyond 100 ns resolution are truncated
                scale /= 10;
                i++;
            }

            if (i == start)
            {
                error = Fail("has an empty fraction of a second");
                return false;
            }
        }

        TimeSpan offset;
        var tail = s[i..];
        if (tail.Length == 1 && (tail[0] == 'Z' || tail[0] == 'z'))
        {
            offset = TimeSpan.Zero;
        }
        else if (tail.Length == 6 && (tail[0] == '+' || tail[0] == '-') && Digits(tail, 1, 2, out var oh)
            && tail[3] == ':' && Digits(tail, 4, 2, out var om) && oh <= 23 && om <= 59)
        {
            offset = new TimeSpan(oh, om, 0);
            if (tail[0] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            error = Fail("has no valid time offset (Z or +HH:MM)");
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            error = Fail("is out of the supported range");
            return false;
        }

        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>True when <paramref name="text"/> has exactly our writer form <c>YYYY-MM-DDTHH:MM:SSZ</c> and is a real instant.</summary>
    public static bool IsStrictUtcSeconds(string? text) =>
        text is { Length: 20 } && text[10] == 'T' && text[19] == 'Z' && TryParse(text, out var v, out _) && Format(v) == text;

    /// <summary>Formats an instant as <c>YYYY-MM-DDTHH:MM:SSZ</c> (UTC, whole seconds; sub-second parts are dropped).</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var k = start; k < start + count; k++)
        {
            if (!Rfc3986.IsDigit(s[k]))
            {
                return false;
            }

            value = (value * 10) + (s[k] - '0');
        }

        return true;
    }

    private static ProtocolError Fail(string what) =>
        new("siwe.timestamp_invalid", $"The timestamp {what}; an RFC 3339 date-time is required.");
}
