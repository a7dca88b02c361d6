using Dm3.App.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Dm3.Functions.Http;

/// <summary>
/// What the standalone host's ASP.NET Core middleware does, for HTTP functions in the worker (no endpoint routing runs
/// here): the function's CORS policy (<see cref="FunctionCors"/>; preflights answered without invoking the function) and
/// the shared exception handler (<see cref="UnexpectedExceptionHandler"/>: ProblemDetails, one log line).
/// </summary>
internal sealed class HttpFunctionMiddleware(FunctionCors cors, IEnumerable<IExceptionHandler> exceptionHandlers) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (await cors.ApplyAsync(http, context.FunctionDefinition.Name).ConfigureAwait(false))
        {
            return;
        }

        if (HttpMethods.IsOptions(http.Request.Method))
        {
            // OPTIONS is declared only for preflights; a plain OPTIONS request gets an empty answer, never the function.
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
        {
            foreach (var handler in exceptionHandlers)
            {
                if (await handler.TryHandleAsync(http, ex, http.RequestAborted).ConfigureAwait(false))
                {
                    return;
                }
            }

            throw;
        }
    }
}
