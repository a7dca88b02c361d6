using System.Net;
using System.Text;
using Dm3.Adapters.Outbound;
using Dm3.Backend.Resolution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Dm3.App.Tests.Resolution;

/// <summary>
/// The outbound policy of decisions §36 on <see cref="PolicyHttpClient"/>. Refused addresses are checked with a socket
/// connector that records every attempt: a refusal must happen before any connection (no packet to the address).
/// </summary>
public sealed class OutboundPolicyTests : IAsyncLifetime
{
    private readonly List<IPEndPoint> _connectAttempts = [];
    private WebApplication? _server;
    private string _base = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/ok", () => Results.Text("{\"data\":\"0x01\"}", "application/json"));
        _server.MapPost("/echo", async (HttpRequest r) => Results.Text(await new StreamReader(r.Body).ReadToEndAsync(), "application/json"));
        _server.MapGet("/big", () => Results.Text(new string('a', 256 * 1024 + 1), "application/json"));
        _server.MapGet("/exact", () => Results.Text(new string('a', 256 * 1024), "application/json"));
        _server.MapGet("/loop", () => Results.Redirect("/loop"));
        _server.MapGet("/hop", () => Results.Redirect("/ok"));
        _server.MapGet("/away", (HttpRequest r) => Results.Redirect($"http://localhost:{r.Host.Port}/ok"));
        _server.MapGet("/slow", async () => { await Task.Delay(5000); return Results.Ok(); });
        await _server.StartAsync();
        _base = _server.Urls.First();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://10.0.0.1/gateway/{sender}", "private")]
    [InlineData("https://10.0.0.1/gateway", "private")]
    [InlineData("https://127.0.0.1/", "loopback")]
    [InlineData("https://[::1]/", "loopback")]
    [InlineData("https://[::ffff:169.254.169.254]/", "link-local")]
    [InlineData("https://[::ffff:10.0.0.1]/", "private")]
    [InlineData("https://100.64.0.1/", "CGNAT")]
    [InlineData("https://[fd00::1]/", "unique-local")]
    [InlineData("https://[fe80::1]/", "link-local")]
    [InlineData("https://224.0.0.1/", "multicast")]
    [InlineData("https://0.0.0.0/", "unspecified")]
    public async Task Gateway_urls_on_refused_addresses_are_refused_without_a_connection(string url, string kind)
    {
        using var client = CreateClient(new OutboundPolicyOptions { AllowHttp = true }, _ => []);
        var response = await client.SendAsync(new OutboundRequest(new Uri(url), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, response.Status);
        Assert.Contains(kind, response.Reason, StringComparison.Ordinal);
        Assert.Empty(_connectAttempts);
    }

    [Fact]
    public async Task A_host_name_is_resolved_here_and_every_address_is_checked_before_connecting()
    {
        // DNS rebinding: one public and one metadata address; the host is refused as a whole, nothing is connected to.
        using var client = CreateClient(new OutboundPolicyOptions(), host => host == "gateway.example"
            ? [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("169.254.169.254")]
            : []);
        var response = await client.SendAsync(new OutboundRequest(new Uri("https://gateway.example/x"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, response.Status);
        Assert.Contains("link-local", response.Reason, StringComparison.Ordinal);
        Assert.Empty(_connectAttempts);

        using var privateOnly = CreateClient(new OutboundPolicyOptions(), _ => [IPAddress.Parse("10.0.0.1")]);
        var refused = await privateOnly.SendAsync(new OutboundRequest(new Uri("https://internal.example/x"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, refused.Status);
        Assert.Empty(_connectAttempts);
    }

    [Theory]
    [InlineData("http://gateway.example/x", "scheme http")]
    [InlineData("ftp://gateway.example/x", "scheme ftp")]
    [InlineData("https://user:pw@gateway.example/x", "credentials")]
    public async Task Only_https_without_credentials_is_allowed_by_default(string url, string reason)
    {
        using var client = CreateClient(new OutboundPolicyOptions(), _ => [IPAddress.Parse("93.184.216.34")]);
        var response = await client.SendAsync(new OutboundRequest(new Uri(url), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, response.Status);
        Assert.Contains(reason, response.Reason, StringComparison.Ordinal);
        Assert.Empty(_connectAttempts);
    }

    [Fact]
    public async Task Loopback_http_works_only_where_the_settings_allow_it()
    {
        using var strict = CreateClient(new OutboundPolicyOptions { AllowHttp = true }, null);
        var refused = await strict.SendAsync(new OutboundRequest(new Uri(_base + "/ok"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, refused.Status);
        Assert.Empty(_connectAttempts);

        using var relaxed = CreateClient(Relaxed(), null);
        var ok = await relaxed.SendAsync(new OutboundRequest(new Uri(_base + "/ok"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Answered, ok.Status);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("{\"data\":\"0x01\"}", Encoding.UTF8.GetString(ok.Body));

        var echo = await relaxed.SendAsync(new OutboundRequest(new Uri(_base + "/echo"), "{\"data\":\"0x\",\"sender\":\"0x\"}"), CancellationToken.None);
        Assert.Equal("{\"data\":\"0x\",\"sender\":\"0x\"}", Encoding.UTF8.GetString(echo.Body));
    }

    [Fact]
    public async Task Operator_endpoints_skip_the_address_check_but_not_the_limits()
    {
        using var client = CreateClient(new OutboundPolicyOptions(), null);
        var ok = await client.SendAsync(new OutboundRequest(new Uri(_base + "/ok"), null, OutboundOrigin.Operator), CancellationToken.None);
        Assert.Equal(OutboundStatus.Answered, ok.Status);
        var big = await client.SendAsync(new OutboundRequest(new Uri(_base + "/big"), null, OutboundOrigin.Operator), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, big.Status);
    }

    [Fact]
    public async Task Responses_are_capped_at_256_KiB()
    {
        using var client = CreateClient(Relaxed(), null);
        var exact = await client.SendAsync(new OutboundRequest(new Uri(_base + "/exact"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Answered, exact.Status);
        Assert.Equal(256 * 1024, exact.Body.Length);

        var big = await client.SendAsync(new OutboundRequest(new Uri(_base + "/big"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, big.Status);
        Assert.Contains("larger than 262144 bytes", big.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirects_stay_on_the_same_host_and_are_bounded()
    {
        using var client = CreateClient(Relaxed(), null);
        var hop = await client.SendAsync(new OutboundRequest(new Uri(_base + "/hop"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Answered, hop.Status);
        Assert.Equal(200, hop.StatusCode);

        var loop = await client.SendAsync(new OutboundRequest(new Uri(_base + "/loop"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, loop.Status);
        Assert.Contains("more than 3 redirects", loop.Reason, StringComparison.Ordinal);

        var away = await client.SendAsync(new OutboundRequest(new Uri(_base + "/away"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Refused, away.Status);
        Assert.Contains("another host", away.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_answer_ends_at_the_total_timeout()
    {
        using var client = CreateClient(new OutboundPolicyOptions { AllowHttp = true, AllowPrivateAddresses = true, RequestTimeoutSeconds = 1 }, null);
        var response = await client.SendAsync(new OutboundRequest(new Uri(_base + "/slow"), null), CancellationToken.None);
        Assert.Equal(OutboundStatus.Failed, response.Status);
        Assert.Equal("a timeout", response.Reason);
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.Null(AddressPolicy.Refusal(IPAddress.Parse(address), allowPrivate: false));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("224.0.0.251")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("fe80::1")]
    [InlineData("::")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    public void Link_local_multicast_unspecified_and_reserved_addresses_are_refused_even_when_private_networks_are_allowed(string address)
    {
        Assert.NotNull(AddressPolicy.Refusal(IPAddress.Parse(address), allowPrivate: true));
    }

    private static OutboundPolicyOptions Relaxed() => new() { AllowHttp = true, AllowPrivateAddresses = true };

    private PolicyHttpClient CreateClient(OutboundPolicyOptions options, Func<string, IPAddress[]>? dns)
    {
        return new PolicyHttpClient(
            options,
            (host, _) => Task.FromResult(dns is null ? Dns.GetHostAddresses(host) : dns(host)),
            async (endPoint, token) =>
            {
                lock (_connectAttempts)
                {
                    _connectAttempts.Add(endPoint);
                }

                var socket = new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(endPoint, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            });
    }
}
