using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Dm3.App.Web;

/// <summary>
/// Client faults are answered as client errors and logged as one line: a body whose chunked framing is broken (400),
/// a body over the limit (413, also when it arrives chunked and the limit is found only while reading), a JSON body in
/// a charset other than UTF-8 (415, checked before any endpoint binds the body; RFC 8259 §8.1 JSON is UTF-8), and a
/// client that hangs up mid-request (nothing to answer). Genuine server faults pass on to the exception handler, which
/// keeps their exception. Sits just inside <c>UseExceptionHandler</c>.
/// </summary>
internal sealed partial class ClientFaultMiddleware(RequestDelegate next, ILogger<ClientFaultMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false })
        {
            // Kestrel reports some framing errors (e.g. a chunk size that overflows) as a plain IOException: every
            // failing read of the body is the client's fault unless the client went away.
            context.Request.Body = new ClientBodyStream(context.Request.Body, context.RequestAborted);
        }

        if (UnsupportedCharset(context.Request) is { } charset)
        {
            ClientFault(logger, context.Request.Method, RouteOf(context), StatusCodes.Status415UnsupportedMediaType, "charset " + Shorten(charset));
            await ClientFaultResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "request.unsupported_charset",
                "JSON bodies must be UTF-8 (Content-Type charset utf-8 or none).").ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own verdict on the request (bad chunked framing, body over the limit, body too slow).
            var status = ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : StatusCodes.Status400BadRequest;
            ClientFault(logger, context.Request.Method, RouteOf(context), status, Shorten(ex.Message));
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                await ClientFaultResponses.WriteAsync(context, status, status == StatusCodes.Status413PayloadTooLarge ? "request.too_large" : "request.malformed",
                    status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request body is malformed: " + Shorten(ex.Message)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-request: there is no one to answer.
            ClientGone(logger, context.Request.Method, RouteOf(context), ex.GetType().Name);
        }
    }

    /// <summary>
    /// The charset parameter of a body's Content-Type when it names anything but UTF-8 (or its subset US-ASCII). An accepted
    /// spelling other than <c>utf-8</c> (quoted, <c>UTF8</c>, <c>us-ascii</c>) is rewritten to <c>charset=utf-8</c>, the one
    /// every body binder understands (the minimal-API binder fails on <c>charset="utf-8"</c>).
    /// </summary>
    internal static string? UnsupportedCharset(HttpRequest request)
    {
        if (request.Headers.ContentType.Count == 0
            || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }
            || !MediaTypeHeaderValue.TryParse(request.Headers.ContentType.ToString(), out var mediaType))
        {
            return null;
        }

        var charset = mediaType.Charset;
        if (!charset.HasValue)
        {
            return null;
        }

        var name = HeaderUtilities.RemoveQuotes(charset).ToString();
        if (!name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !name.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            && !name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return name;
        }

        if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            mediaType.Charset = "utf-8";
            request.Headers.ContentType = mediaType.ToString();
        }

        return null;
    }

    /// <summary>The route pattern (never the path itself: paths carry names and addresses).</summary>
    private static string RouteOf(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint endpoint ? endpoint.RoutePattern.RawText ?? "(route)" : "(no route)";

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 160 ? line : line[..160] + "…";
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Client fault: {Method} {Route} answered {StatusCode} ({Reason})")]
    private static partial void ClientFault(ILogger logger, string method, string route, int statusCode, string reason);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Client gone: {Method} {Route} was abandoned by the client ({ExceptionType})")]
    private static partial void ClientGone(ILogger logger, string method, string route, string exceptionType);
}

/// <summary>
/// A client-fault answer in the error shape of the route family the client speaks: JSON-RPC error objects on
/// <c>/rpc</c>, <c>{"message"}</c> on the CCIP gateway (EIP-3668), ProblemDetails with <c>code</c> on <c>/resolver</c>
/// and the linked-profile API, <c>{"error", "code"}</c> on the dm3 delivery-service routes.
/// </summary>
internal static class ClientFaultResponses
{
    public static Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        var path = context.Request.Path;
        IResult result;
        if (path.StartsWithSegments("/rpc"))
        {
            var error = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = null,
                ["error"] = new JsonObject
                {
                    ["code"] = status == StatusCodes.Status400BadRequest ? -32700 : -32600,
                    ["message"] = message,
                    ["data"] = new JsonObject { ["reason"] = code },
                },
            };
            result = Results.Content(error.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);
        }
        else if (path.StartsWithSegments("/ccip"))
        {
            result = Results.Json(new { message }, statusCode: status);
        }
        else if (path.StartsWithSegments("/resolver") || path.StartsWithSegments("/lsp"))
        {
            result = Results.Problem(detail: message, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
        }
        else
        {
            result = Results.Json(new { error = message, code }, statusCode: status);
        }

        // The rest of a malformed body is never read: close the connection after this answer.
        context.Response.Headers.Connection = "close";
        return result.ExecuteAsync(context);
    }
}

/// <summary>The request body, with read failures that are not the client hanging up reported as a malformed body (400).</summary>
internal sealed class ClientBodyStream(Stream inner, CancellationToken requestAborted) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !requestAborted.IsCancellationRequested)
        {
            throw Malformed(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !requestAborted.IsCancellationRequested)
        {
            throw Malformed(ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static BadHttpRequestException Malformed(IOException ex) => new(ex.Message, StatusCodes.Status400BadRequest, ex);
}

internal static class ClientFaultExtensions
{
    /// <summary>Adds <see cref="ClientFaultMiddleware"/>; call right after <c>UseExceptionHandler</c>.</summary>
    public static IApplicationBuilder UseClientFaults(this IApplicationBuilder app) => app.UseMiddleware<ClientFaultMiddleware>();
}
