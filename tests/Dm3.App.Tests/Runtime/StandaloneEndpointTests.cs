using System.Net;
using System.Text.Json;
using Dm3.App.Diagnostics;
using Dm3.App.Functions;
using Dm3.App.Tests.Runtime.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Runtime;

/// <summary>GET /, /health, OpenAPI and the route table of the standalone program (real pipeline, Azurite).</summary>
public sealed class StandaloneEndpointTests : IAsyncLifetime
{
    private readonly RuntimeAppFactory _app = new("std");

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Root_answers_200_for_the_host_readiness_probe()
    {
        using var client = _app.CreateClient();
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_reports_reachable_tables_and_queues_and_the_gateway_signer()
    {
        using var client = _app.CreateClient();
        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("healthy", root.GetProperty("status").GetString());
        Assert.Equal("standalone", root.GetProperty("mode").GetString());
        Assert.Equal("ok", root.GetProperty("checks").GetProperty("tables").GetProperty("status").GetString());
        Assert.Equal("ok", root.GetProperty("checks").GetProperty("queues").GetProperty("status").GetString());
        if (_app.Services.GetService<Dm3.Backend.Signing.IDigestSigner>() is { } signer)
        {
            Assert.Equal(Dm3.Protocol.Crypto.Ethereum.ToChecksumAddress(signer.Address.Span),
                root.GetProperty("gatewaySigner").GetProperty("address").GetString());
        }
    }

    [Fact]
    public async Task OpenApi_document_is_served_and_lists_the_public_routes()
    {
        using var client = _app.CreateClient();
        var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("paths").TryGetProperty("/health", out _));
        Assert.False(root.GetProperty("paths").TryGetProperty("/" + DiagnosticsFeature.QueueFunctionName, out _));
    }

    [Fact]
    public void The_route_table_is_the_catalog_route_by_route()
    {
        var catalog = _app.Services.GetRequiredService<FunctionCatalog>();
        var settings = _app.Services.GetRequiredService<Dm3.App.Configuration.RuntimeSettings>();
        var expected = settings.ActiveFunctions.OfType<HttpFunction>()
            .Select(f => $"{f.Name} {f.Method} {f.Route} {f.Cors}").Order(StringComparer.Ordinal).ToList();
        var actual = Endpoints()
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .Select(e => $"{e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName} {e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single()} "
                + $"{e.RoutePattern.RawText!.TrimStart('/')} {e.Metadata.GetMetadata<Microsoft.AspNetCore.Cors.Infrastructure.IEnableCorsAttribute>()?.PolicyName}")
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected, actual);
        Assert.Contains(catalog.Functions, f => f is HttpFunction { Cors: not null });
    }

    [Fact]
    public async Task Health_is_503_with_per_check_status_when_storage_is_unreachable()
    {
        // A closed port: nothing listens on the discard port.
        var unreachable = TestStorage.ConnectionStringFor(new Uri("http://127.0.0.1:9/devstoreaccount1"), new Uri("http://127.0.0.1:9/devstoreaccount1"));
        await using var app = new RuntimeAppFactory("bad", new Dictionary<string, string?> { ["Storage__ConnectionString"] = unreachable });
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unhealthy", root.GetProperty("status").GetString());
        Assert.Equal("failed", root.GetProperty("checks").GetProperty("tables").GetProperty("status").GetString());
        Assert.Equal("failed", root.GetProperty("checks").GetProperty("queues").GetProperty("status").GetString());
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
}
