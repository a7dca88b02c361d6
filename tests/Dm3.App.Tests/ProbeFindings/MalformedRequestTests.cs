using Dm3.App.Tests.ProbeFindings.Support;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// F1–F3 of the outside probe and its logging finding, over raw sockets to the real Kestrel host: malformed chunked
/// framing answers 400, an oversized chunked body 413, an unknown charset 400/415 — never 500 — and such client faults
/// log one line without a stack trace.
/// </summary>
public sealed class MalformedRequestTests(ProbeHost host) : IClassFixture<ProbeHost>
{
    private const string NonceBody = "{\"app\":\"myapp.eth\",\"purpose\":\"profile-update\"}";

    private const string Name = "0x1111111111111111111111111111111111111111.addr." + ProbeHost.Parent;

    public static TheoryData<string, string> BodyRoutes()
    {
        var data = new TheoryData<string, string>();
        foreach (var (method, path) in RawRequests.BodyRoutes(Name))
        {
            data.Add(method, path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_malformed_chunked_body_answers_400(string method, string path)
    {
        await ExpectAsync(400, RawRequests.With(method, path, RawRequests.BadChunkSize), method + " " + path);
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_chunk_without_its_line_end_answers_400(string method, string path)
    {
        await ExpectAsync(400, RawRequests.With(method, path, "3\r\nabcXY0\r\n\r\n"), method + " " + path);
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_chunked_body_over_the_limit_answers_413(string method, string path)
    {
        // 300,000 bytes: over Http__MaxRequestBodyBytes (262,144) and over every route's own limit.
        await ExpectAsync(413, RawRequests.With(method, path, RawRequests.Chunked(new string('a', 300_000))), method + " " + path);
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_charset_other_than_utf8_is_refused_with_415(string method, string path)
    {
        // Refused before any endpoint binds the body (the minimal-API binder threw on the unknown charset: 500).
        await ExpectAsync(415, RawRequests.With(method, path, NonceBody, "application/json; charset=invalid-x", chunked: false), method + " " + path);
    }

    [Fact]
    public async Task A_client_fault_logs_one_line_without_a_stack_trace()
    {
        var marker = "/rpc?probe=" + Guid.NewGuid().ToString("N");
        var before = host.LogLines.Count;

        var response = await host.SendAsync(RawRequests.With("POST", marker, RawRequests.BadChunkSize));
        await Task.Delay(500); // the log line is written after the answer

        Assert.Equal(400, response.Status);
        Assert.Equal(-32700, (int?)System.Text.Json.Nodes.JsonNode.Parse(response.Body)?["error"]?["code"]);
        var written = host.LogLines.Skip(before).ToList();
        Assert.DoesNotContain(written, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(written, line => line.Contains("Exception:", StringComparison.Ordinal) && line.Contains("   at ", StringComparison.Ordinal));
        Assert.True(written.Count(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal)) == 0,
            "a client fault is not an error of the server:\n" + string.Join("\n", written));
        var line = Assert.Single(written, l => l.Contains("/rpc", StringComparison.Ordinal));
        Assert.True(line.Length < 400, line);
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_body_costs_no_stack_trace()
    {
        var before = host.LogLines.Count;

        await host.SendAsync(RawRequests.With("POST", "/resolver/profile/address", "40\r\n{\"a\":"), closeAfterSending: true);
        await Task.Delay(500);

        var written = host.LogLines.Skip(before).ToList();
        Assert.DoesNotContain(written, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.True(written.Count(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal)) == 0,
            "a client that hangs up is not an error of the server:\n" + string.Join("\n", written));
        Assert.True(written.Count <= 1, string.Join("\n", written));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json")]
    public async Task A_utf8_or_unlabelled_json_body_is_read(string contentType)
    {
        var body = "{\"jsonrpc\":\"2.0\",\"method\":\"dm3_getDeliveryServiceProperties\",\"params\":[],\"id\":7}";
        var response = await host.SendAsync(RawRequests.With("POST", "/rpc", body, contentType, chunked: false));

        Assert.Equal(200, response.Status);
        Assert.Equal(7, (int?)System.Text.Json.Nodes.JsonNode.Parse(response.Body)?["id"]);
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task A_chunk_size_that_overflows_answers_400(string method, string path)
    {
        // Kestrel reports this one as a plain IOException (found by the route fuzz).
        await ExpectAsync(400, RawRequests.With(method, path, "ffffffffffffffffffff\r\nab\r\n0\r\n\r\n"), method + " " + path);
    }

    [Theory]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=UTF8")]
    [InlineData("application/json; charset=us-ascii")]
    public async Task Every_accepted_spelling_of_utf8_reaches_the_json_binder(string contentType)
    {
        await ExpectAsync(201, RawRequests.With("POST", "/resolver/nonces", NonceBody, contentType, chunked: false), contentType);
    }

    private async Task ExpectAsync(int status, string request, string what)
    {
        var response = await host.SendAsync(request);
        Assert.True(response.Status == status, $"{what}: {response.Status}\n{response.Raw[..Math.Min(600, response.Raw.Length)]}");
    }
}
