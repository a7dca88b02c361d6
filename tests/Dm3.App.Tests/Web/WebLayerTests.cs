using System.Text.Json;
using Dm3.App.Delivery;
using Dm3.App.Functions;
using Dm3.App.Lsp;
using Dm3.App.Tests.Functions;
using Dm3.App.Web;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Web;

/// <summary>
/// The web layer both hosts share: CORS policies per route group through ASP.NET Core's CORS services (here as the
/// worker applies them, per function) and the one exception handler answering ProblemDetails.
/// </summary>
public sealed class WebLayerTests(WorkerHost host) : IClassFixture<WorkerHost>
{
    [Fact]
    public async Task A_preflight_to_a_dm3_function_is_answered_for_any_origin_without_invoking_it()
    {
        var request = Preflight("/rpc", "https://anywhere.example", "POST");

        Assert.True(await Cors().ApplyAsync(request.HttpContext, DeliveryFeature.RpcFunction));
        Assert.Equal(StatusCodes.Status204NoContent, request.HttpContext.Response.StatusCode);
        Assert.Equal("*", request.HttpContext.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Contains("authorization", request.HttpContext.Response.Headers.AccessControlAllowHeaders.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_simple_request_gets_the_policy_headers_and_goes_on_to_the_function()
    {
        var request = host.Request("GET", "/delivery/messages/incoming/a.eth", origin: "https://anywhere.example");

        Assert.False(await Cors().ApplyAsync(request.HttpContext, DeliveryFeature.IncomingFunction));
        Assert.Equal("*", request.HttpContext.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal(CorsPolicies.NextCursorHeader, request.HttpContext.Response.Headers.AccessControlExposeHeaders.ToString());
    }

    [Fact]
    public async Task The_app_origins_policy_admits_only_the_configured_origins()
    {
        var allowed = Preflight("/lsp/v1/profiles", "https://app.worker.example", "POST");
        Assert.True(await Cors().ApplyAsync(allowed.HttpContext, LspFeature.RegisterFunction));
        Assert.Equal("https://app.worker.example", allowed.HttpContext.Response.Headers.AccessControlAllowOrigin.ToString());

        var foreign = Preflight("/lsp/v1/profiles", "https://evil.example", "POST");
        Assert.True(await Cors().ApplyAsync(foreign.HttpContext, LspFeature.RegisterFunction));
        Assert.Equal(0, foreign.HttpContext.Response.Headers.AccessControlAllowOrigin.Count);

        // PUT and DELETE of a link record are two functions on one route; either answers a preflight for both methods.
        var unpublish = Preflight("/lsp/v1/link-records/x", "https://app.worker.example", "DELETE");
        Assert.True(await Cors().ApplyAsync(unpublish.HttpContext, LspFeature.PublishLinkFunction));
        Assert.Contains("DELETE", unpublish.HttpContext.Response.Headers.AccessControlAllowMethods.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_function_without_a_policy_gets_no_cors_headers()
    {
        var request = host.Request("GET", "/health", origin: "https://anywhere.example");

        Assert.False(await Cors().ApplyAsync(request.HttpContext, "RuntimeHealth"));
        Assert.Equal(0, request.HttpContext.Response.Headers.AccessControlAllowOrigin.Count);
    }

    [Fact]
    public async Task A_client_fault_keeps_its_status_and_an_unexpected_exception_is_a_500_without_internals()
    {
        var handler = host.Services.GetServices<IExceptionHandler>().OfType<UnexpectedExceptionHandler>().Single();

        var tooLarge = host.Request("POST", "/rpc", "{}");
        Assert.True(await handler.TryHandleAsync(tooLarge.HttpContext, new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge), CancellationToken.None));
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, tooLarge.HttpContext.Response.StatusCode);
        Assert.Equal(413, JsonDocument.Parse(WorkerHost.Body(tooLarge.HttpContext)).RootElement.GetProperty("status").GetInt32());

        var failing = host.Request("GET", "/hello");
        Assert.True(await handler.TryHandleAsync(failing.HttpContext, new InvalidOperationException("secret internal detail"), CancellationToken.None));
        Assert.Equal(StatusCodes.Status500InternalServerError, failing.HttpContext.Response.StatusCode);
        Assert.StartsWith("application/problem+json", failing.HttpContext.Response.ContentType, StringComparison.Ordinal);
        Assert.DoesNotContain("secret internal detail", WorkerHost.Body(failing.HttpContext), StringComparison.Ordinal);
    }

    private HttpRequest Preflight(string path, string origin, string method)
    {
        var request = host.Request("OPTIONS", path, origin: origin);
        request.Headers.AccessControlRequestMethod = method;
        request.Headers.AccessControlRequestHeaders = "authorization, content-type";
        return request;
    }

    private FunctionCors Cors() => host.Services.GetRequiredService<FunctionCors>();
}
