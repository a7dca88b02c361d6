using System.Text;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>One generated input, named so that a failure can be traced back to its seed and mutation.</summary>
internal sealed record FuzzCase<T>(string Id, T Input);

/// <summary>
/// Deterministic mutation of valid text seeds. Every method takes the <see cref="Random"/> it draws from, so a corpus
/// is a pure function of (seed texts, fixed seed): the same inputs are produced on every run and every machine.
/// </summary>
internal static class TextMutator
{
    /// <summary>Characters that tend to matter to parsers: structure, escapes, whitespace variants, NUL, BOM, surrogates.</summary>
    public static readonly string[] Interesting =
    [
        "\0", "\"", "\\", "{", "}", "[", "]", ",", ":", ";", "=", "/", ".", "-", "+", "%", "#", "?", "@", "'",
        "\n", "\r", "\r\n", "\t", " ", "\u000B", "\u000C", "\u0085", "\u00A0", "\u2028", "\u2029", "\u200B", "\uFEFF",
        "\uD800", "\uDC00", "\uDBFF", "\uFFFE", "\uFFFF", "\u00E9", "\u0130", "\u212A", "\uFF10", "\uD83D\uDE00",
        "0", "9", "x", "X", "f", "F", "g", "Z", "e", "E", "\\u0000", "\\ud800", "\\", "\u0001", "\u007F",
    ];

    private static readonly string[] WhitespaceVariants = [" ", "\t", "\n", "\r", "\r\n", "\u00A0", "\u2028", "\uFEFF", "\u3000", "\u000B"];

    private static readonly string[] NumberReplacements =
    [
        "1e400", "-1e400", "99999999999999999999999999999999", "18446744073709551616", "9223372036854775808", "-1", "-0",
        "0.5", "1e-400", "01", "1E2", "NaN", "Infinity", "0x10", "1_000", "\uFF11", "",
    ];

    /// <summary>Truncations: every prefix when the seed is short, else every boundary between character classes plus a spread of others.</summary>
    public static IEnumerable<FuzzCase<string>> Truncations(string name, string seed, int maxCases = 400)
    {
        var cuts = new SortedSet<int>();
        if (seed.Length <= maxCases)
        {
            for (var i = 0; i < seed.Length; i++)
            {
                cuts.Add(i);
            }
        }
        else
        {
            for (var i = 1; i < seed.Length && cuts.Count < maxCases / 2; i++)
            {
                if (Class(seed[i]) != Class(seed[i - 1]))
                {
                    cuts.Add(i);
                }
            }

            var step = Math.Max(1, seed.Length / (maxCases / 2));
            for (var i = 0; i < seed.Length; i += step)
            {
                cuts.Add(i);
            }

            cuts.Add(seed.Length - 1);
        }

        foreach (var cut in cuts)
        {
            yield return new($"{name}/truncate@{cut}", seed[..cut]);
        }
    }

    /// <summary>Random single or stacked edits (bit flips of UTF-16 units, inserts, deletes, duplications, swaps, case flips, number swaps).</summary>
    public static IEnumerable<FuzzCase<string>> Havoc(string name, string seed, Random rng, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var text = seed;
            var ops = rng.Next(4) == 0 ? 2 + rng.Next(3) : 1;
            var labels = new List<string>(ops);
            for (var k = 0; k < ops; k++)
            {
                (text, var label) = MutateOnce(text, rng);
                labels.Add(label);
            }

            if (text != seed)
            {
                yield return new($"{name}/havoc#{i}({string.Join('+', labels)})", text);
            }
        }
    }

    /// <summary>Inputs every text parser must survive: empty, whitespace, NUL, BOM, surrogates, garbage and 1 MB strings.</summary>
    public static IEnumerable<FuzzCase<string>> Specials(string name, string seed, Random rng, bool huge = true)
    {
        yield return new($"{name}/empty", string.Empty);
        yield return new($"{name}/space", " ");
        yield return new($"{name}/nul", "\0");
        yield return new($"{name}/nul-suffix", seed + "\0");
        yield return new($"{name}/nul-prefix", "\0" + seed);
        yield return new($"{name}/bom-prefix", "\uFEFF" + seed);
        yield return new($"{name}/lone-high-surrogate-suffix", seed + "\uD800");
        yield return new($"{name}/lone-low-surrogate-prefix", "\uDC00" + seed);
        yield return new($"{name}/swapped-surrogate-pair", seed + "\uDE00\uD83D");
        yield return new($"{name}/doubled", seed + seed);
        yield return new($"{name}/reversed", new string(seed.Reverse().ToArray()));
        yield return new($"{name}/upper", seed.ToUpperInvariant());
        yield return new($"{name}/lower", seed.ToLowerInvariant());
        foreach (var ws in WhitespaceVariants)
        {
            yield return new($"{name}/ws-prefix-U+{(int)ws[0]:X4}", ws + seed);
            yield return new($"{name}/ws-suffix-U+{(int)ws[0]:X4}", seed + ws);
        }

        yield return new($"{name}/newlines-crlf", seed.Replace("\n", "\r\n", StringComparison.Ordinal));
        yield return new($"{name}/newlines-cr", seed.Replace("\n", "\r", StringComparison.Ordinal));
        yield return new($"{name}/spaces-to-tabs", seed.Replace(" ", "\t", StringComparison.Ordinal));
        yield return new($"{name}/spaces-to-nbsp", seed.Replace(" ", "\u00A0", StringComparison.Ordinal));
        for (var i = 0; i < 6; i++)
        {
            yield return new($"{name}/garbage#{i}", RandomString(rng, 1 + rng.Next(200)));
        }

        yield return new($"{name}/ascii-garbage", RandomAscii(rng, 300));
        yield return new($"{name}/all-controls", new string(Enumerable.Range(0, 32).Select(c => (char)c).ToArray()));
        if (huge)
        {
            yield return new($"{name}/seed+1MB-of-a", seed + new string('a', 1 << 20));
            yield return new($"{name}/1MB-of-zero-digits", new string('0', 1 << 20));
        }
    }

    /// <summary>Replaces the first occurrence of each prefix with wrong variants.</summary>
    public static IEnumerable<FuzzCase<string>> WrongPrefixes(string name, string seed, string prefix, params string[] replacements)
    {
        if (!seed.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"seed does not start with {prefix}");
        }

        foreach (var r in replacements)
        {
            yield return new($"{name}/prefix:{Escape(r)}", r + seed[prefix.Length..]);
        }
    }

    public static (string Text, string Label) MutateOnce(string text, Random rng)
    {
        if (text.Length == 0)
        {
            return (Pick(rng, Interesting), "insert-into-empty");
        }

        var at = rng.Next(text.Length);
        switch (rng.Next(12))
        {
            case 0:
            {
                var flipped = (char)(text[at] ^ (1 << rng.Next(rng.Next(2) == 0 ? 7 : 16)));
                return (text[..at] + flipped + text[(at + 1)..], $"bitflip@{at}");
            }

            case 1:
                return (text.Insert(at, Pick(rng, Interesting)), $"insert@{at}");
            case 2:
                return (text.Remove(at, 1), $"delete@{at}");
            case 3:
            {
                var len = Math.Min(text.Length - at, 1 + rng.Next(24));
                return (text.Remove(at, len), $"delete-range@{at}+{len}");
            }

            case 4:
            {
                var len = Math.Min(text.Length - at, 1 + rng.Next(40));
                var to = rng.Next(text.Length + 1);
                return (text.Insert(to, text.Substring(at, len)), $"duplicate@{at}+{len}->{to}");
            }

            case 5:
            {
                var len = Math.Min(text.Length - at, 1 + rng.Next(20));
                var other = rng.Next(text.Length - len + 1);
                if (other < at + len && at < other + len)
                {
                    return (text.Remove(at, len), $"delete-range@{at}+{len}");
                }

                var (first, second) = at < other ? (at, other) : (other, at);
                var a = text.Substring(first, len);
                var b = text.Substring(second, len);
                return (text[..first] + b + text[(first + len)..second] + a + text[(second + len)..], $"swap@{first}<->{second}+{len}");
            }

            case 6:
                return (text[..at] + Pick(rng, Interesting) + text[(at + 1)..], $"replace@{at}");
            case 7:
            {
                var len = Math.Min(text.Length - at, 1 + rng.Next(8));
                var times = rng.Next(2) == 0 ? 2 + rng.Next(10) : 1000 + rng.Next(5000);
                return (text.Insert(at, Repeat(text.Substring(at, len), len * times)), $"repeat@{at}+{len}x{times}");
            }

            case 8:
                return (text.Insert(at, RandomString(rng, 1 + rng.Next(32))), $"garbage@{at}");
            case 9:
            {
                var len = Math.Min(text.Length - at, 1 + rng.Next(16));
                var seg = text.Substring(at, len);
                var flipped = new string(seg.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());
                return (text[..at] + flipped + text[(at + len)..], $"caseflip@{at}+{len}");
            }

            case 10:
            {
                var digit = IndexOfDigitRun(text, at, out var runLength);
                if (digit < 0)
                {
                    return (text.Insert(at, "\0"), $"nul@{at}");
                }

                var replacement = Pick(rng, NumberReplacements);
                return (text[..digit] + replacement + text[(digit + runLength)..], $"number@{digit}:{Escape(replacement)}");
            }

            default:
                return (text.Insert(at, Pick(rng, WhitespaceVariants)), $"whitespace@{at}");
        }
    }

    public static string Repeat(string unit, int length)
    {
        if (unit.Length == 0)
        {
            unit = "a";
        }

        var builder = new StringBuilder(length + unit.Length);
        while (builder.Length < length)
        {
            builder.Append(unit);
        }

        return builder.ToString(0, length);
    }

    public static string RandomString(Random rng, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = rng.Next(3) switch
            {
                0 => (char)rng.Next(0x20, 0x7F),
                1 => (char)rng.Next(0, 0x10000),
                _ => Pick(rng, Interesting)[0],
            };
        }

        return new string(chars);
    }

    public static string RandomAscii(Random rng, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)rng.Next(0x20, 0x7F);
        }

        return new string(chars);
    }

    public static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    /// <summary>A printable, escaped rendering of (part of) an input for failure messages.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~' && c != '\\')
            {
                builder.Append(c);
            }
            else if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else
            {
                builder.Append(@"\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static int IndexOfDigitRun(string text, int from, out int length)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var p = (from + i) % text.Length;
            if (char.IsAsciiDigit(text[p]))
            {
                var start = p;
                while (start > 0 && char.IsAsciiDigit(text[start - 1]))
                {
                    start--;
                }

                var end = p;
                while (end < text.Length && char.IsAsciiDigit(text[end]))
                {
                    end++;
                }

                length = end - start;
                return start;
            }
        }

        length = 0;
        return -1;
    }

    private static int Class(char c) => char.IsAsciiLetterOrDigit(c) ? 0 : char.IsWhiteSpace(c) ? 1 : 2;
}

/// <summary>Deterministic mutation of valid byte seeds (wire names, ABI payloads, signatures).</summary>
internal static class ByteMutator
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x1F, 0x20, 0x2E, 0x3F, 0x40, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xE0, 0xED, 0xF4, 0xF5, 0xFE, 0xFF];

    /// <summary>Byte sequences that are not UTF-8: lone continuation, overlong forms, UTF-16 surrogates, beyond U+10FFFF, truncated sequences.</summary>
    public static readonly byte[][] InvalidUtf8 =
    [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    public static IEnumerable<FuzzCase<byte[]>> Truncations(string name, byte[] seed, int maxCases = 300)
    {
        var cuts = new SortedSet<int>();
        if (seed.Length <= maxCases)
        {
            for (var i = 0; i < seed.Length; i++)
            {
                cuts.Add(i);
            }
        }
        else
        {
            // Word boundaries (ABI) and their neighbours, then an even spread.
            for (var i = 0; i < seed.Length && cuts.Count < maxCases / 2; i += 32)
            {
                cuts.Add(i);
                cuts.Add(Math.Min(seed.Length - 1, i + 1));
                if (i > 0)
                {
                    cuts.Add(i - 1);
                }

                if (i + 4 < seed.Length)
                {
                    cuts.Add(i + 4);
                }
            }

            var step = Math.Max(1, seed.Length / (maxCases / 2));
            for (var i = 0; i < seed.Length; i += step)
            {
                cuts.Add(i);
            }
        }

        foreach (var cut in cuts)
        {
            yield return new($"{name}/truncate@{cut}", seed[..cut]);
        }
    }

    public static IEnumerable<FuzzCase<byte[]>> Havoc(string name, byte[] seed, Random rng, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var data = seed;
            var ops = rng.Next(4) == 0 ? 2 + rng.Next(3) : 1;
            var labels = new List<string>(ops);
            for (var k = 0; k < ops; k++)
            {
                (data, var label) = MutateOnce(data, rng);
                labels.Add(label);
            }

            if (!data.AsSpan().SequenceEqual(seed))
            {
                yield return new($"{name}/havoc#{i}({string.Join('+', labels)})", data);
            }
        }
    }

    public static IEnumerable<FuzzCase<byte[]>> Specials(string name, byte[] seed, Random rng)
    {
        yield return new($"{name}/empty", []);
        yield return new($"{name}/single-zero", [0]);
        yield return new($"{name}/single-ff", [0xFF]);
        yield return new($"{name}/doubled", [.. seed, .. seed]);
        yield return new($"{name}/zero-suffix", [.. seed, 0]);
        yield return new($"{name}/32-zero-suffix", [.. seed, .. new byte[32]]);
        yield return new($"{name}/all-ff", Enumerable.Repeat((byte)0xFF, seed.Length).ToArray());
        yield return new($"{name}/all-zero", new byte[seed.Length]);
        yield return new($"{name}/reversed", seed.Reverse().ToArray());
        for (var i = 0; i < 8; i++)
        {
            var garbage = new byte[1 + rng.Next(Math.Max(2, seed.Length * 2))];
            rng.NextBytes(garbage);
            yield return new($"{name}/garbage#{i}", garbage);
        }

        var huge = new byte[1 << 20];
        rng.NextBytes(huge);
        yield return new($"{name}/1MB-garbage", huge);
        yield return new($"{name}/seed+1MB-zero", [.. seed, .. new byte[1 << 20]]);
    }

    public static (byte[] Data, string Label) MutateOnce(byte[] data, Random rng)
    {
        if (data.Length == 0)
        {
            return ([InterestingBytes[rng.Next(InterestingBytes.Length)]], "insert-into-empty");
        }

        var at = rng.Next(data.Length);
        var list = data.ToList();
        switch (rng.Next(10))
        {
            case 0:
            case 1:
                list[at] ^= (byte)(1 << rng.Next(8));
                return ([.. list], $"bitflip@{at}");
            case 2:
                list.Insert(at, InterestingBytes[rng.Next(InterestingBytes.Length)]);
                return ([.. list], $"insert@{at}");
            case 3:
                list.RemoveAt(at);
                return ([.. list], $"delete@{at}");
            case 4:
            {
                var len = Math.Min(data.Length - at, 1 + rng.Next(40));
                list.RemoveRange(at, len);
                return ([.. list], $"delete-range@{at}+{len}");
            }

            case 5:
            {
                var len = Math.Min(data.Length - at, 1 + rng.Next(64));
                var to = rng.Next(data.Length + 1);
                list.InsertRange(to, data.AsSpan(at, len).ToArray());
                return ([.. list], $"duplicate@{at}+{len}->{to}");
            }

            case 6:
                list[at] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                return ([.. list], $"replace@{at}");
            case 7:
            {
                var bad = InvalidUtf8[rng.Next(InvalidUtf8.Length)];
                list.InsertRange(at, bad);
                return ([.. list], $"invalid-utf8@{at}");
            }

            case 8:
            {
                // Overwrite an aligned 32-byte word (ABI heads: offsets, lengths, counts) with an interesting value.
                var word = (at / 32) * 32;
                var value = InterestingWord(rng, data.Length);
                for (var k = 0; k < 32 && word + k < list.Count; k++)
                {
                    list[word + k] = value[k];
                }

                return ([.. list], $"word@{word}");
            }

            default:
            {
                var garbage = new byte[1 + rng.Next(32)];
                rng.NextBytes(garbage);
                list.InsertRange(at, garbage);
                return ([.. list], $"garbage@{at}");
            }
        }
    }

    private static byte[] InterestingWord(Random rng, int length)
    {
        var word = new byte[32];
        switch (rng.Next(8))
        {
            case 0:
                break; // zero
            case 1:
                Array.Fill(word, (byte)0xFF);
                break;
            case 2:
                word[0] = 0x80;
                break;
            case 3:
                word[31] = (byte)(rng.Next(2) == 0 ? 0x20 : 0x40);
                break;
            case 4:
                word[30] = (byte)(length >> 8);
                word[31] = (byte)length;
                break;
            case 5:
                word[31] = (byte)rng.Next(1, 255);
                break;
            case 6:
                word[24] = 0xFF; // 2^63-ish: beyond any length we could hold
                break;
            default:
                word[28] = 0x7F;
                word[29] = 0xFF;
                word[30] = 0xFF;
                word[31] = 0xE1; // int.MaxValue - 30: overflow when added to an offset
                break;
        }

        return word;
    }
}
