namespace Dm3.Protocol.Siwe;

/// <summary>
/// The parts of the RFC 3986 grammar that EIP-4361 refers to: authority, URI, pchar and the character classes
/// used by the statement. Validation only; nothing here allocates beyond the results it returns, and nothing throws.
/// </summary>
internal static class Rfc3986
{
    public static bool IsAlpha(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    public static bool IsDigit(char c) => c is >= '0' and <= '9';

    public static bool IsHexDigit(char c) => IsDigit(c) || c is (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    public static bool IsUnreserved(char c) => IsAlpha(c) || IsDigit(c) || c is '-' or '.' or '_' or '~';

    public static bool IsSubDelim(char c) => c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=';

    public static bool IsGenDelim(char c) => c is ':' or '/' or '?' or '#' or '[' or ']' or '@';

    public static bool IsReserved(char c) => IsGenDelim(c) || IsSubDelim(c);

    /// <summary>Checks <c>*( allowed / pct-encoded )</c> over <paramref name="s"/>.</summary>
    private static bool AllCharsOrPct(ReadOnlySpan<char> s, Func<char, bool> allowed)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !IsHexDigit(s[i + 1]) || !IsHexDigit(s[i + 2]))
                {
                    return false;
                }

                i += 2;
                continue;
            }

            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPcharNoPct(char c) => IsUnreserved(c) || IsSubDelim(c) || c is ':' or '@';

    /// <summary><c>*pchar</c>.</summary>
    public static bool IsPchars(ReadOnlySpan<char> s) => AllCharsOrPct(s, IsPcharNoPct);

    /// <summary>
    /// Validates an RFC 3986 <c>authority</c> (<c>[ userinfo "@" ] host [ ":" port ]</c>) and returns its host.
    /// When <paramref name="requireHost"/> is set an empty host is rejected (a sign-in domain must name a host).
    /// </summary>
    public static bool IsAuthority(ReadOnlySpan<char> s, bool requireHost, out string? reason)
    {
        reason = null;
        var at = s.IndexOf('@');
        if (at >= 0)
        {
            var userinfo = s[..at];
            if (!AllCharsOrPct(userinfo, c => IsUnreserved(c) || IsSubDelim(c) || c == ':'))
            {
                reason = "userinfo contains a character RFC 3986 does not allow";
                return false;
            }

            s = s[(at + 1)..];
        }

        ReadOnlySpan<char> port;
        if (s.Length > 0 && s[0] == '[')
        {
            var close = s.IndexOf(']');
            if (close < 0)
            {
                reason = "IP literal is not closed by ']'";
                return false;
            }

            var literal = s[1..close];
            if (!IsIpv6(literal) && !IsIpvFuture(literal))
            {
                reason = "IP literal is neither an IPv6 address nor an IPvFuture";
                return false;
            }

            var rest = s[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                reason = "unexpected characters after the IP literal";
                return false;
            }

            port = rest.Length > 0 ? rest[1..] : [];
        }
        else
        {
            var colon = s.IndexOf(':');
            var host = colon >= 0 ? s[..colon] : s;
            port = colon >= 0 ? s[(colon + 1)..] : [];
            if (!AllCharsOrPct(host, c => IsUnreserved(c) || IsSubDelim(c)))
            {
                reason = "host contains a character RFC 3986 does not allow";
                return false;
            }

            if (requireHost && host.IsEmpty)
            {
                reason = "host is empty";
                return false;
            }
        }

        foreach (var c in port)
        {
            if (!IsDigit(c))
            {
                reason = "port is not decimal digits";
                return false;
            }
        }

        return true;
    }

    /// <summary>URI components of an absolute RFC 3986 <c>URI</c>.</summary>
    public readonly record struct UriParts(string Scheme, string? Authority, string Path, string? Query, string? Fragment);

    /// <summary>Validates <c>URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]</c>.</summary>
    public static bool TryParseUri(string s, out UriParts parts, out string? reason)
    {
        parts = default;
        reason = null;
        var colon = s.IndexOf(':');
        if (colon <= 0)
        {
            reason = "URI has no scheme";
            return false;
        }

        var scheme = s.AsSpan(0, colon);
        if (!IsScheme(scheme))
        {
            reason = "URI scheme is not ALPHA *( ALPHA / DIGIT / \"+\" / \"-\" / \".\" )";
            return false;
        }

        var rest = s.AsSpan(colon + 1);
        string? fragment = null;
        var hash = rest.IndexOf('#');
        if (hash >= 0)
        {
            var frag = rest[(hash + 1)..];
            if (!AllCharsOrPct(frag, c => IsPcharNoPct(c) || c is '/' or '?'))
            {
                reason = "URI fragment contains a character RFC 3986 does not allow";
                return false;
            }

            fragment = frag.ToString();
            rest = rest[..hash];
        }

        string? query = null;
        var question = rest.IndexOf('?');
        if (question >= 0)
        {
            var q = rest[(question + 1)..];
            if (!AllCharsOrPct(q, c => IsPcharNoPct(c) || c is '/' or '?'))
            {
                reason = "URI query contains a character RFC 3986 does not allow";
                return false;
            }

            query = q.ToString();
            rest = rest[..question];
        }

        string? authority = null;
        if (rest.StartsWith("//"))
        {
            rest = rest[2..];
            var slash = rest.IndexOf('/');
            var auth = slash >= 0 ? rest[..slash] : rest;
            if (!IsAuthority(auth, requireHost: false, out var authReason))
            {
                reason = "URI authority is invalid: " + authReason;
                return false;
            }

            authority = auth.ToString();
            rest = slash >= 0 ? rest[slash..] : [];
        }

        // path-abempty / path-absolute / path-rootless / path-empty: segments of pchar separated by "/".
        if (!AllCharsOrPct(rest, c => IsPcharNoPct(c) || c == '/'))
        {
            reason = "URI path contains a character RFC 3986 does not allow";
            return false;
        }

        parts = new UriParts(scheme.ToString(), authority, rest.ToString(), query, fragment);
        return true;
    }

    public static bool IsScheme(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !IsAlpha(s[0]))
        {
            return false;
        }

        foreach (var c in s[1..])
        {
            if (!(IsAlpha(c) || IsDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIpvFuture(ReadOnlySpan<char> s)
    {
        // "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        if (s.Length < 4 || (s[0] != 'v' && s[0] != 'V'))
        {
            return false;
        }

        var dot = s.IndexOf('.');
        if (dot < 2 || dot == s.Length - 1)
        {
            return false;
        }

        foreach (var c in s[1..dot])
        {
            if (!IsHexDigit(c))
            {
                return false;
            }
        }

        foreach (var c in s[(dot + 1)..])
        {
            if (!(IsUnreserved(c) || IsSubDelim(c) || c == ':'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The RFC 3986 <c>IPv6address</c> production (no zone identifiers).</summary>
    public static bool IsIpv6(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        var doubleColon = s.IndexOf("::");
        if (doubleColon >= 0)
        {
            var left = s[..doubleColon];
            var right = s[(doubleColon + 2)..];
            if (right.IndexOf("::") >= 0)
            {
                return false;
            }

            var leftCount = CountGroups(left, allowIpv4Tail: false);
            var rightCount = CountGroups(right, allowIpv4Tail: true);
            return leftCount >= 0 && rightCount >= 0 && leftCount + rightCount <= 7;
        }

        return CountGroups(s, allowIpv4Tail: true) == 8;
    }

    /// <summary>Number of 16-bit groups in a ':'-separated run (an IPv4 tail counts 2); -1 when malformed.</summary>
    private static int CountGroups(ReadOnlySpan<char> s, bool allowIpv4Tail)
    {
        if (s.IsEmpty)
        {
            return 0;
        }

        var count = 0;
        while (true)
        {
            var colon = s.IndexOf(':');
            var group = colon >= 0 ? s[..colon] : s;
            if (colon < 0 && allowIpv4Tail && group.IndexOf('.') >= 0)
            {
                return IsIpv4(group) ? count + 2 : -1;
            }

            if (group.IsEmpty || group.Length > 4)
            {
                return -1;
            }

            foreach (var c in group)
            {
                if (!IsHexDigit(c))
                {
                    return -1;
                }
            }

            count++;
            if (colon < 0)
            {
                return count;
            }

            s = s[(colon + 1)..];
        }
    }

    public static bool IsIpv4(ReadOnlySpan<char> s)
    {
        var parts = 0;
        while (true)
        {
            var dot = s.IndexOf('.');
            var octet = dot >= 0 ? s[..dot] : s;
            if (!IsDecOctet(octet))
            {
                return false;
            }

            parts++;
            if (dot < 0)
            {
                return parts == 4;
            }

            s = s[(dot + 1)..];
        }
    }

    private static bool IsDecOctet(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s.Length > 3)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!IsDigit(c))
            {
                return false;
            }
        }

        if (s.Length > 1 && s[0] == '0')
        {
            return false;
        }

        return int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) <= 255;
    }
}
