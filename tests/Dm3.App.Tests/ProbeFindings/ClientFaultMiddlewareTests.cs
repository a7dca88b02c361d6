using Dm3.App.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// The client-fault middleware tells client faults from server faults: a genuine server fault keeps its exception (the
/// exception handler above logs it with its trace), a client fault is answered and never rethrown.
/// </summary>
public sealed class ClientFaultMiddlewareTests
{
    [Fact]
    public async Task A_genuine_server_fault_passes_on_with_its_exception()
    {
        var fault = new InvalidOperationException("a bug");
        var middleware = new ClientFaultMiddleware(_ => throw fault, NullLogger<ClientFaultMiddleware>.Instance);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(NewContext("/rpc")));

        Assert.Same(fault, thrown);
    }

    [Fact]
    public async Task An_io_failure_outside_the_request_body_is_a_server_fault()
    {
        var middleware = new ClientFaultMiddleware(_ => throw new IOException("storage socket closed"), NullLogger<ClientFaultMiddleware>.Instance);

        await Assert.ThrowsAsync<IOException>(() => middleware.InvokeAsync(NewContext("/resolver/nonces")));
    }

    [Fact]
    public async Task A_failing_body_read_is_answered_400_in_the_routes_error_shape()
    {
        var middleware = new ClientFaultMiddleware(async http => await http.Request.Body.ReadExactlyAsync(new byte[16]), NullLogger<ClientFaultMiddleware>.Instance);
        var context = NewContext("/profile/a.eth", new FailingStream());

        await middleware.InvokeAsync(context);

        Assert.Equal(400, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var body = System.Text.Json.Nodes.JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!;
        Assert.Equal("request.malformed", (string?)body["code"]);
        Assert.NotNull((string?)body["error"]);
    }

    private static DefaultHttpContext NewContext(string path, Stream? body = null)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddOptions();
        var context = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.Path = path;
        context.Request.ContentType = "application/json";
        context.Request.Body = body ?? new MemoryStream("{}"u8.ToArray());
        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>A body whose reads fail the way Kestrel's do for a chunk size that overflows.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("Bad chunk size data.", new OverflowException());
    }
}
