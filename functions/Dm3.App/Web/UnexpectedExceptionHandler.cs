using Microsoft.AspNetCore.Diagnostics;

namespace Dm3.App.Web;

/// <summary>
/// The one handler for exceptions that escape an endpoint, in both hosts (the standalone host's exception-handler
/// middleware, the worker's <c>HttpFunctionMiddleware</c>): a ProblemDetails answer without internals. A client fault
/// Kestrel or the body readers raise (<see cref="BadHttpRequestException"/>: malformed framing, a body over the limit)
/// keeps its 4xx status and is logged as one line without a stack trace; anything else is a 500, logged with the exception.
/// </summary>
public sealed partial class UnexpectedExceptionHandler(IProblemDetailsService problems, ILogger<UnexpectedExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string title;
        if (exception is BadHttpRequestException bad)
        {
            status = bad.StatusCode;
            title = status == StatusCodes.Status413PayloadTooLarge ? "Request body too large." : "The request is invalid.";
            ClientFault(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? "", status, bad.Message);
        }
        else
        {
            status = StatusCodes.Status500InternalServerError;
            title = "The request could not be completed.";
            Unexpected(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? "", exception);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.Clear();
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = title },
        }).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1900, Level = LogLevel.Information, Message = "{Method} {Path} answered {Status}: {Reason}")]
    private static partial void ClientFault(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly; answered 500")]
    private static partial void Unexpected(ILogger logger, string method, string path, Exception exception);
}
