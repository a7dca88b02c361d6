using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;

namespace Dm3.App.Tests.ProbeFindings.Support;

/// <summary>One raw request of the route fuzz: bytes as sent, and whether the client hangs up after sending (incomplete bodies).</summary>
public sealed record FuzzInput(string Family, byte[] Request, bool HangUp);

/// <summary>
/// Deterministic (seeded) raw HTTP/1.1 requests over every public route: wrong methods, odd paths and queries, bad and
/// hostile JSON, invalid UTF-8, chunked framing errors, Content-Length mismatches, odd charsets and media types, huge
/// and many headers, bad bearer tokens. Every request carries <c>Connection: close</c>.
/// </summary>
public static class FuzzInputs
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json;charset=\"utf-8\"",
        "application/json; charset=invalid-x", "application/json; charset=utf-16", "application/json; charset=latin1",
        "application/json; charset=", "application/json; charset", "application/json; charset=utf-8; charset=utf-16",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/json; q=\u00ff",
        "application/problem+json", "*/*", "application/json; charset=" + new string('a', 300),
    ];

    public static IReadOnlyList<FuzzInput> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var user = new TestUser();
        var name = user.Name;
        var bodies = Bodies(user);
        var inputs = new List<FuzzInput>(count);
        var families = new Func<Random, string, IReadOnlyList<string>, FuzzInput>[]
        {
            PlainRequest, PlainRequest, PlainRequest, ChunkedFramingError, ChunkedValid, LengthMismatch, HugeHeaders, ManyHeaders,
            BadRequestLine, BadAuthorization, OddQuery, InvalidUtf8Body, OversizedBody,
        };
        while (inputs.Count < count)
        {
            inputs.Add(families[random.Next(families.Length)](random, name, bodies));
        }

        return inputs;
    }

    /// <summary>Every route pattern with its methods, paths filled with good and bad names.</summary>
    public static IReadOnlyList<string> Paths(string name) =>
    [
        "/", "/health", "/openapi/v1.json", "/hello", "/auth/" + name, "/profile/" + name, "/rpc",
        "/delivery/messages/incoming/" + name, "/delivery/messages/" + name + "/syncAcknowledgements", "/delivery/messages/" + name + "/syncAcknowledgements/",
        "/resolver/profile/address", "/resolver/profile/" + name, "/resolver/profile/" + name[..42], "/resolver/nonces",
        "/ccip", "/ccip/0x" + new string('1', 40) + "/0x9061b923.json", "/ccip/0x" + new string('1', 40) + "/0x" + new string('a', 3000),
        "/auth/vitalik.eth", "/profile/ds.myapp.eth", "/auth/%00", "/profile/%E2%84%AA.addr.myapp.eth", "/auth/" + name.ToUpperInvariant(),
        "/resolver/profile/..%2F..%2Fetc", "/delivery/messages/incoming/", "/rpc/", "/ccip/x/y", "/unknown", "//rpc", "/rpc?x=%ZZ",
        "/auth/" + new string('a', 3000) + ".eth", "/diagnostics/enqueue",
    ];

    private static IReadOnlyList<string> Bodies(TestUser user)
    {
        var profile = user.Profile.ToCanonicalJson();
        var claim = new JsonObject
        {
            ["signedUserProfile"] = user.Profile.ToJsonObject(),
            ["address"] = user.Address,
            ["subdomain"] = "addr.myapp.eth",
        }.ToJsonString();
        return
        [
            "", "{", "}", "[", "[]", "{}", "null", "nul", "0", "-1", "1e999", "\"x\"", "true", "{\"a\":1,\"a\":2}", "{\"a\":\"\\ud800\"}",
            new string('[', 5000) + new string(']', 5000), "{\"a\":" + new string('9', 5000) + "}", "\u0000", "\uFEFF{}",
            profile, claim, claim.Replace("addr.myapp.eth", "addr.other.eth", StringComparison.Ordinal), claim.Replace("\"0x", "\"0X", StringComparison.Ordinal),
            "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_getDeliveryServiceProperties\",\"params\":[],\"id\":1}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_submitMessage\",\"params\":[\"{}\",\"t\"],\"id\":\"x\"}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_submitMessage\",\"params\":[\"" + new string('a', 1000) + "\"],\"id\":{}}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_getProfileExtension\",\"params\":[\"" + user.Name + "\"],\"id\":null}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_getProfileExtension\",\"params\":[5]}",
            "[{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]",
            "{\"app\":\"myapp.eth\",\"purpose\":\"profile-update\"}", "{\"app\":\"other.eth\",\"purpose\":\"x\"}", "{\"app\":5}",
            "{\"signature\":\"AAAA\",\"challenge\":\"a.b.c\"}", "{\"signature\":1,\"challenge\":null}",
            "{\"message\":\"localhost wants you to sign in\",\"signature\":\"0x00\"}",
            "{\"data\":\"0x9061b923\",\"sender\":\"0x" + new string('1', 40) + "\"}", "{\"data\":\"0xzz\",\"sender\":1}",
            "{\"acknowledgements\":[{\"contactAddress\":\"a.eth\",\"messageHash\":\"0x00\"}]}", "{\"acknowledgements\":{}}",
        ];
    }

    private static string Pick(Random random, IReadOnlyList<string> items) => items[random.Next(items.Count)];

    private static FuzzInput Build(string family, string method, string path, string contentType, byte[] framedBody, string framingHeader, string extraHeaders = "", bool hangUp = false)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\nHost: localhost\r\n");
        if (contentType.Length > 0)
        {
            head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        head.Append(framingHeader).Append(extraHeaders).Append("Connection: close\r\n\r\n");
        return new FuzzInput(family, [.. Encoding.UTF8.GetBytes(head.ToString()), .. framedBody], hangUp);
    }

    private static string Length(int bytes) => "Content-Length: " + bytes.ToString(CultureInfo.InvariantCulture) + "\r\n";

    private static FuzzInput PlainRequest(Random random, string name, IReadOnlyList<string> bodies)
    {
        var body = Encoding.UTF8.GetBytes(Pick(random, bodies));
        return Build("plain", Pick(random, Methods), Pick(random, Paths(name)), Pick(random, ContentTypes), body, body.Length == 0 && random.Next(2) == 0 ? "" : Length(body.Length));
    }

    private static FuzzInput ChunkedValid(Random random, string name, IReadOnlyList<string> bodies)
    {
        var body = Pick(random, bodies);
        var framed = Encoding.UTF8.GetByteCount(body) == 0 ? "0\r\n\r\n" : RawRequests.Chunked(body);
        return Build("chunked", Pick(random, ["POST", "DELETE", "GET"]), Pick(random, Paths(name)), Pick(random, ContentTypes), Encoding.UTF8.GetBytes(framed), "Transfer-Encoding: chunked\r\n");
    }

    private static FuzzInput ChunkedFramingError(Random random, string name, IReadOnlyList<string> bodies)
    {
        var framings = new (string Framed, bool HangUp)[]
        {
            (RawRequests.BadChunkSize, false), ("3\r\nabcXY0\r\n\r\n", false), ("ffffffffffffffffffff\r\nab\r\n0\r\n\r\n", false),
            ("-1\r\nab\r\n0\r\n\r\n", false), ("2;ext=\"x\r\nab\r\n0\r\n\r\n", false), ("2\nab\n0\n\n", false), ("2\r\nab\r\n0\r\nX-Trailer: y\r\n\r\n", false),
            (" 2\r\nab\r\n0\r\n\r\n", false), ("0x2\r\nab\r\n0\r\n\r\n", false), ("2\r\nab\r\n", true), ("40\r\n{\"a\":", true), ("", true),
            ("2\r\nab\r\n0\r\n", true), ("\r\n\r\n", false),
        };
        var (framed, hangUp) = framings[random.Next(framings.Length)];
        var te = Pick(random, ["Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: Chunked\r\n", "Transfer-Encoding: x\r\n"]);
        return Build("chunked-error", Pick(random, ["POST", "DELETE", "PUT"]), Pick(random, Paths(name)), Pick(random, ContentTypes), Encoding.UTF8.GetBytes(framed), te, hangUp: hangUp || te.Contains("gzip", StringComparison.Ordinal) || te.Contains(": x", StringComparison.Ordinal));
    }

    private static FuzzInput LengthMismatch(Random random, string name, IReadOnlyList<string> bodies)
    {
        var body = Encoding.UTF8.GetBytes(Pick(random, bodies) + "x");
        var shorter = random.Next(2) == 0;
        var declared = shorter ? random.Next(0, body.Length) : body.Length + random.Next(1, 100);
        var header = Pick(random, [Length(declared), "Content-Length: -1\r\n", "Content-Length: 1e3\r\n", "Content-Length: 99999999999999999999\r\n",
            Length(declared) + Length(declared + 1), "Content-Length: 0x10\r\n"]);
        return Build("length-mismatch", "POST", Pick(random, Paths(name)), "application/json", body, header, hangUp: true);
    }

    private static FuzzInput HugeHeaders(Random random, string name, IReadOnlyList<string> bodies)
    {
        var size = Pick(random, ["100", "8000", "40000", "70000"]);
        var extra = "X-Big: " + new string('h', int.Parse(size, CultureInfo.InvariantCulture)) + "\r\n";
        return Build("huge-header", Pick(random, ["GET", "POST"]), Pick(random, Paths(name)), "application/json", Encoding.UTF8.GetBytes("{}"), Length(2), extra);
    }

    private static FuzzInput ManyHeaders(Random random, string name, IReadOnlyList<string> bodies)
    {
        var count = Pick(random, ["50", "500", "3000"]);
        var extra = new StringBuilder();
        for (var i = 0; i < int.Parse(count, CultureInfo.InvariantCulture); i++)
        {
            extra.Append("X-H").Append(i.ToString(CultureInfo.InvariantCulture)).Append(": v\r\n");
        }

        return Build("many-headers", "GET", Pick(random, Paths(name)), "", [], "", extra.ToString());
    }

    private static FuzzInput BadRequestLine(Random random, string name, IReadOnlyList<string> bodies)
    {
        var line = Pick(random,
        [
            "GET /hello HTTP/1.1", "GET /hello HTTP/9.9", "GET hello HTTP/1.1", "GET /hel lo HTTP/1.1", "GET /hello\u0000 HTTP/1.1",
            "GET /" + new string('a', 20000) + " HTTP/1.1", "G\u00c9T /hello HTTP/1.1", "GET http://evil/hello HTTP/1.1", "GET * HTTP/1.1",
            "\r\nGET /hello HTTP/1.1", "GET /hello?" + new string('q', 17000) + " HTTP/1.1", "POST /rpc HTTP/1.0",
        ]);
        var request = line + "\r\nHost: " + Pick(random, ["localhost", "", "a b", "[::1", "x:99999"]) + "\r\nConnection: close\r\n\r\n";
        return new FuzzInput("request-line", Encoding.UTF8.GetBytes(request), false);
    }

    private static FuzzInput BadAuthorization(Random random, string name, IReadOnlyList<string> bodies)
    {
        var token = Pick(random, ["", "x", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", new string('A', 9000), "Bearer", "a..b", "\u00ff\u00fe"]);
        var scheme = Pick(random, ["Bearer ", "bearer ", "Basic ", "", "Bearer  "]);
        var path = Pick(random, ["/delivery/messages/incoming/" + name, "/delivery/messages/" + name + "/syncAcknowledgements", "/delivery/messages/incoming/" + name + "?limit=5"]);
        var body = Encoding.UTF8.GetBytes(Pick(random, bodies));
        return Build("authorization", path.Contains("sync", StringComparison.Ordinal) ? "POST" : "GET", path, "application/json", body, Length(body.Length), "Authorization: " + scheme + token + "\r\n");
    }

    private static FuzzInput OddQuery(Random random, string name, IReadOnlyList<string> bodies)
    {
        var query = Pick(random, ["?limit=-1", "?limit=0", "?limit=99999999999999", "?limit=abc", "?cursor=%ZZ", "?cursor=" + new string('c', 3000),
            "?limit=1&limit=2", "?cursor=eyJ9", "?a=%00", "?\u00e9=1"]);
        return Build("query", Pick(random, ["GET", "POST"]), Pick(random, Paths(name)).Split('?')[0] + query, "", [], "");
    }

    private static FuzzInput InvalidUtf8Body(Random random, string name, IReadOnlyList<string> bodies)
    {
        byte[] body = Pick(random, ["c3", "ff", "eda080", "80", "f8888080"]) switch
        {
            "c3" => [(byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)'}'],
            "ff" => [0xFF, 0xFE, (byte)'{', 0, (byte)'}', 0],
            "eda080" => [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
            "80" => [0x80],
            _ => [0xF8, 0x88, 0x80, 0x80],
        };
        return Build("invalid-utf8", Pick(random, ["POST", "DELETE"]), Pick(random, Paths(name)), Pick(random, ContentTypes), body, Length(body.Length));
    }

    private static FuzzInput OversizedBody(Random random, string name, IReadOnlyList<string> bodies)
    {
        var size = Pick(random, ["33000", "270000", "300000"]);
        var content = "\"" + new string('a', int.Parse(size, CultureInfo.InvariantCulture)) + "\"";
        var chunked = random.Next(2) == 0;
        var framed = chunked ? RawRequests.Chunked(content) : content;
        return Build("oversized", "POST", Pick(random, Paths(name)), "application/json", Encoding.UTF8.GetBytes(framed),
            chunked ? "Transfer-Encoding: chunked\r\n" : Length(Encoding.UTF8.GetByteCount(content)));
    }
}
