using System.Net;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.Backend.Apps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Web;

/// <summary>
/// The standalone route table is built from the features' endpoints under the catalog's declarations: an endpoint
/// that differs from its declaration stops the host, and the declared CORS policy (here the linked-profile API's
/// app-origins policy) is what the CORS middleware applies, preflights included.
/// </summary>
public sealed class StandaloneRouteTableTests
{
    private const string Function = "LspExample";
    private const string Route = "lsp/v1/examples";
    private const string AppOrigin = "https://app.example";

    [Fact]
    public async Task An_app_origins_route_answers_preflights_and_requests_only_for_the_configured_origins()
    {
        await using var app = await StartAsync(Route);
        var client = app.GetTestClient();

        var allowed = await client.SendAsync(Preflight(AppOrigin));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(AppOrigin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var foreign = await client.SendAsync(Preflight("https://elsewhere.example"));
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));

        using var post = new HttpRequestMessage(HttpMethod.Post, "/" + Route);
        post.Headers.Add("Origin", AppOrigin);
        var answer = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(AppOrigin, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task An_endpoint_that_differs_from_its_declaration_stops_the_host()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var app = await StartAsync("lsp/v1/other");
        });
        Assert.Contains(Function, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OPTIONS", "x")]
    [InlineData("FETCH", "x")]
    [InlineData("GET", "/x")]
    public void The_catalog_refuses_an_http_function_it_cannot_publish(string method, string route)
    {
        Assert.Throws<ArgumentException>(() => new FunctionCatalog().Http("F", method, route, cors: null));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/" + Route);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        return request;
    }

    private static async Task<WebApplication> StartAsync(string mappedRoute)
    {
        var features = new IAppFeature[] { new ExampleFeature(mappedRoute) };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(Features.BuildCatalog(features));
        builder.Services.AddSingleton(AppCatalog.Create(new AppCatalogOptions
        {
            Apps = [new AppOptions { ParentName = "example.eth", ChainIds = [1], AllowedOrigins = [AppOrigin] }],
        }));
        builder.Services.AddDm3Cors();
        var app = builder.Build();
        app.UseCors();
        app.MapDm3Features(features, runtime: null!);
        try
        {
            // Endpoints are built (and checked) when the route table is first read.
            _ = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).ToList();
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private sealed class ExampleFeature(string mappedRoute) : IAppFeature
    {
        public void Describe(FunctionCatalog catalog) => catalog.Http(Function, Verb.Post, Route, CorsPolicies.AppOrigins);

        public void AddServices(IServiceCollection services)
        {
        }

        public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime) =>
            endpoints.MapPost(mappedRoute, () => Results.Ok()).WithName(Function);
    }
}
