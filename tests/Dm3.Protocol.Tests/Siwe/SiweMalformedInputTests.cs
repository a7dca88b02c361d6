using System.Text;
using Dm3.Protocol.Siwe;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Siwe;

/// <summary>
/// Generated malformed EIP-4361 texts: deterministic mutations of valid messages (dropped lines, bad dates, bad
/// addresses, stray whitespace, forbidden characters, oversized fields, random bytes). Every one must come back
/// as an error value; none may throw.
/// </summary>
public sealed class SiweMalformedInputTests
{
    private const string Ours =
        "app.myapp.example wants you to sign in with your Ethereum account:\n0xBB547651D22162aEF60Da876b3943d5E07F03114\n\n"
        + "Allow this app to manage your dm3 app profile for myapp.eth.\n\nURI: https://app.myapp.example/messaging\nVersion: 1\nChain ID: 1\n"
        + "Nonce: a1b2c3d4e5f60718293a4b5c6d7e8f90\nIssued At: 2025-01-15T12:01:00Z\nExpiration Time: 2025-01-15T12:06:00Z\nResources:\n"
        + "- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query\n- urn:dm3:lsp:scope:register\n- urn:dm3:lsp:scope:escrow";

    private const string Full =
        "https://service.org wants you to sign in with your Ethereum account:\n0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n\n"
        + "I accept the ServiceOrg Terms of Service: https://service.org/tos\n\nURI: https://service.org/login\nVersion: 1\nChain ID: 1\n"
        + "Nonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z\nExpiration Time: 2031-09-30T16:25:24.000Z\nNot Before: 2021-09-30T16:25:24Z\n"
        + "Request ID: some_id\nResources:\n- ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu\n- https://example.com/my-web2-claim.json";

    private const string NoStatement =
        "[::cafe]:8080 wants you to sign in with your Ethereum account:\n0xc95EB884FE852e241D409234bfC7045CB9E31BD7\n\n\n"
        + "URI: https://[::cafe]/?query=one#begin\nVersion: 1\nChain ID: 4\nNonce: 15050747\nIssued At: 2022-06-30T14:08:51.382-02:00";

    private static readonly string[] Bases = [Ours, Full, NoStatement];

    private static readonly string[] BadDates =
    [
        "2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-00-10T00:00:00Z", "2021-04-31T00:00:00Z", "2021-09-30 16:25:24Z",
        "2021-09-30T24:00:00Z", "2021-09-30T16:60:00Z", "2021-09-30T16:25:60Z", "2021-09-30T16:25:24", "2021-09-30T16:25:24+2:00",
        "2021-09-30T16:25:24.Z", "0000-01-01T00:00:00Z", "yesterday", "", "2021-09-30T16:25:24ZZ", "2021-9-30T16:25:24Z",
        "\uFF12\uFF10\uFF12\uFF11-09-30T16:25:24Z", "2021-09-30T16:25:24+24:00", "2021-09-30T16:25:24-00:60", "1632932724",
        "2021-09-30T16:25:24 Z", " 2021-09-30T16:25:24Z", "Wed Oct 05 2011 16:48:00 GMT+0200 (CEST)",
    ];

    private static readonly string[] BadAddresses =
    [
        "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2", "0xc02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc22", "0XC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0xG02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "alice.eth", "0x", " 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    ];

    private static readonly string[] ForbiddenChars = ["\t", "\0", "\r", "\u00A0", "\u200B", "\u00E9", "\uD83D\uDE00", "\"", "<", "\u0085", "\u2028", "%zz"];

    /// <summary>Mutations that break the ABNF; the plain reader must reject them.</summary>
    private static readonly Lazy<Dictionary<string, string>> AbnfCases = new(BuildAbnfCases);

    /// <summary>Mutations that stay inside the ABNF but break dm3's limits; the lenient dm3 reader must reject them.</summary>
    private static readonly Lazy<Dictionary<string, string>> LimitCases = new(BuildLimitCases);

    public static IEnumerable<object[]> AbnfCaseIds() => AbnfCases.Value.Keys.Select(k => new object[] { k });

    public static IEnumerable<object[]> LimitCaseIds() => LimitCases.Value.Keys.Select(k => new object[] { k });

    private static Dictionary<string, string> BuildAbnfCases()
    {
        var cases = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(4361);
        for (var b = 0; b < Bases.Length; b++)
        {
            var text = Bases[b];
            var lines = text.Split('\n');
            var statementLine = lines[3].Length > 0 ? 3 : -1;

            for (var i = 0; i < lines.Length; i++)
            {
                var isOptional = lines[i].StartsWith("Expiration Time: ", StringComparison.Ordinal)
                    || lines[i].StartsWith("Not Before: ", StringComparison.Ordinal) || lines[i].StartsWith("Request ID: ", StringComparison.Ordinal)
                    || lines[i].StartsWith("- ", StringComparison.Ordinal);
                if (!isOptional && i != statementLine)
                {
                    cases[$"b{b}/drop-line-{i}"] = string.Join('\n', lines.Where((_, k) => k != i));
                }

                if (i != statementLine)
                {
                    cases[$"b{b}/trailing-space-line-{i}"] = Replace(lines, i, lines[i] + " ");
                    cases[$"b{b}/leading-space-line-{i}"] = Replace(lines, i, " " + lines[i]);
                }

                // Repeating a resource line is legal, and so is a third blank line where there is no statement
                // (it reads as an empty statement); every other repeated line breaks the grammar.
                var repeatIsLegal = lines[i].StartsWith("- ", StringComparison.Ordinal) || (statementLine < 0 && i is 2 or 3);
                if (!repeatIsLegal)
                {
                    cases[$"b{b}/duplicate-line-{i}"] = string.Join('\n', lines.Take(i + 1).Append(lines[i]).Concat(lines.Skip(i + 1)));
                }

                for (var f = 0; f < ForbiddenChars.Length; f++)
                {
                    var line = lines[i];
                    var at = random.Next(line.Length + 1);
                    cases[$"b{b}/forbidden-{f}-line-{i}"] = Replace(lines, i, line[..at] + ForbiddenChars[f] + line[at..]);
                }
            }

            var issued = Array.FindIndex(lines, l => l.StartsWith("Issued At: ", StringComparison.Ordinal));
            for (var d = 0; d < BadDates.Length; d++)
            {
                cases[$"b{b}/bad-issued-at-{d}"] = Replace(lines, issued, "Issued At: " + BadDates[d]);
            }

            var expiration = Array.FindIndex(lines, l => l.StartsWith("Expiration Time: ", StringComparison.Ordinal));
            if (expiration >= 0)
            {
                for (var d = 0; d < BadDates.Length; d++)
                {
                    cases[$"b{b}/bad-expiration-{d}"] = Replace(lines, expiration, "Expiration Time: " + BadDates[d]);
                }
            }

            for (var a = 0; a < BadAddresses.Length; a++)
            {
                cases[$"b{b}/bad-address-{a}"] = Replace(lines, 1, BadAddresses[a]);
            }

            cases[$"b{b}/crlf"] = text.Replace("\n", "\r\n", StringComparison.Ordinal);
            cases[$"b{b}/trailing-lf"] = text + "\n";
            cases[$"b{b}/leading-lf"] = "\n" + text;
            cases[$"b{b}/truncated-half"] = text[..(text.Length / 2)];
            cases[$"b{b}/version-2"] = text.Replace("Version: 1", "Version: 2", StringComparison.Ordinal);
            cases[$"b{b}/chain-id-leading-zero"] = text.Replace("Chain ID: ", "Chain ID: 0", StringComparison.Ordinal);
            cases[$"b{b}/chain-id-overflow"] = text.Replace("Chain ID: ", "Chain ID: 99999999999999999999", StringComparison.Ordinal);
            cases[$"b{b}/chain-id-negative"] = text.Replace("Chain ID: ", "Chain ID: -", StringComparison.Ordinal);
            cases[$"b{b}/nonce-short"] = Replace(lines, Array.FindIndex(lines, l => l.StartsWith("Nonce: ", StringComparison.Ordinal)), "Nonce: abc123");
            cases[$"b{b}/nonce-symbol"] = text.Replace("Nonce: ", "Nonce: _", StringComparison.Ordinal);
            cases[$"b{b}/lowercase-tag"] = text.Replace("URI: ", "uri: ", StringComparison.Ordinal);
            cases[$"b{b}/uri-space"] = text.Replace("URI: ", "URI: https://a b/", StringComparison.Ordinal);
            cases[$"b{b}/header-typo"] = text.Replace("sign in with", "sign into", StringComparison.Ordinal);
            cases[$"b{b}/oversized-input"] = text.Replace("Nonce: ", "Nonce: " + new string('a', SiweMessage.MaxParseChars), StringComparison.Ordinal);
        }

        for (var r = 0; r < 40; r++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            cases[$"random-utf8-{r}"] = System.Text.Encoding.UTF8.GetString(bytes);
            cases[$"random-latin1-{r}"] = System.Text.Encoding.Latin1.GetString(bytes);
        }

        return cases;
    }

    private static Dictionary<string, string> BuildLimitCases()
    {
        var cases = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = Ours.Split('\n');
        var longLabel = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)); // 304 bytes
        cases["domain-over-253-bytes"] = Ours.Replace("app.myapp.example", longLabel, StringComparison.Ordinal);
        cases["statement-over-256-chars"] = Replace(lines, 3, new string('s', 257));
        cases["uri-over-512-bytes"] = Ours.Replace("/messaging", "/" + new string('m', 520), StringComparison.Ordinal);
        cases["resource-over-512-bytes"] = Ours + "\n- urn:x:" + new string('r', 520);
        cases["nine-resources"] = Ours + string.Concat(Enumerable.Range(0, 5).Select(i => $"\n- urn:extra:{i}"));
        cases["no-resources"] = string.Join('\n', lines.TakeWhile(l => l != "Resources:"));
        cases["empty-resources"] = string.Join('\n', lines.TakeWhile(l => l != "Resources:").Append("Resources:"));
        cases["message-over-2048-bytes"] = Ours + string.Concat(Enumerable.Range(0, 4).Select(i => "\n- urn:x:" + new string('q', 480)));
        return cases;
    }

    private static string Replace(string[] lines, int index, string replacement) =>
        string.Join('\n', lines.Select((l, k) => k == index ? replacement : l));

    [Fact]
    public void The_generated_corpus_has_at_least_300_malformed_texts()
    {
        Assert.True(AbnfCases.Value.Count + LimitCases.Value.Count >= 300, $"only {AbnfCases.Value.Count + LimitCases.Value.Count} cases");
    }

    [Fact]
    public void The_unmutated_bases_are_valid()
    {
        foreach (var text in Bases)
        {
            Assert.True(SiweMessage.TryParse(text, out _, out var error), error?.Message);
        }

        Assert.True(Dm3Siwe.TryParseStrict(Ours, out _, out var strictError), strictError?.Message);
    }

    [Theory]
    [MemberData(nameof(AbnfCaseIds))]
    public void A_malformed_text_is_an_error_value_and_never_throws(string caseId)
    {
        var text = AbnfCases.Value[caseId];
        var ok = SiweMessage.TryParse(text, out var message, out var error);
        Assert.False(ok, $"accepted: {caseId}");
        Assert.Null(message);
        Assert.StartsWith("siwe.", error!.Code, StringComparison.Ordinal);

        // The stricter readers must agree.
        Assert.False(Dm3Siwe.TryParseLenient(text, out _, out _));
        Assert.False(Dm3Siwe.TryParseStrict(text, out _, out _));
        var verification = SiweVerifier.Verify(text, "0x" + new string('1', 130), new SiweExpectations { Now = DateTimeOffset.UtcNow }, SiweMode.Eip4361);
        Assert.False(verification.IsValid);
    }

    [Theory]
    [MemberData(nameof(LimitCaseIds))]
    public void A_text_beyond_the_dm3_limits_is_rejected_by_the_dm3_readers(string caseId)
    {
        var text = LimitCases.Value[caseId];
        Assert.False(Dm3Siwe.TryParseLenient(text, out var message, out var error), $"accepted: {caseId}");
        Assert.Null(message);
        Assert.StartsWith("siwe.", error.Code, StringComparison.Ordinal);
        Assert.False(Dm3Siwe.TryParseStrict(text, out _, out _));
    }

    [Fact]
    public void Arbitrary_strings_never_make_the_readers_throw()
    {
        Prop.ForAll<string>(s =>
        {
            _ = SiweMessage.TryParse(s, out _, out _);
            _ = Dm3Siwe.TryParseLenient(s, out _, out _);
            _ = Dm3Siwe.TryParseStrict(s, out _, out _);
            _ = Rfc3339.TryParse(s, out _, out _);
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_single_character_edits_of_a_valid_message_never_throw()
    {
        var gen = from position in Gen.Choose(0, Full.Length - 1)
                  from c in Gen.Elements('\n', ' ', ':', '-', '0', 'x', 'Z', '.', '/', '\u00E9', '\0', '[', ']', '@')
                  select Full[..position] + c + Full[(position + 1)..];
        Prop.ForAll(gen.ToArbitrary(), text =>
        {
            var ok = SiweMessage.TryParse(text, out var m, out var e);
            return ok ? m is not null && m.Format() == text : e is not null;
        }).QuickCheckThrowOnFailure();
    }
}
