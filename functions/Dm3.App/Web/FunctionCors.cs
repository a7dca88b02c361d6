using Dm3.App.Functions;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Dm3.App.Web;

/// <summary>
/// CORS for one function invocation, where no endpoint routing runs (the Functions worker): the function's policy from
/// the catalog, evaluated and applied by ASP.NET Core's <see cref="ICorsService"/> — the same policies and service the
/// standalone host's CORS middleware uses.
/// </summary>
public sealed class FunctionCors(FunctionCatalog catalog, ICorsService cors, ICorsPolicyProvider policies)
{
    /// <summary>Applies the policy of <paramref name="functionName"/>; true when the request was a preflight, now answered (204).</summary>
    public async Task<bool> ApplyAsync(HttpContext http, string functionName)
    {
        if (catalog.Find(functionName) is not HttpFunction { Cors: { } name } || !http.Request.Headers.ContainsKey(HeaderNames.Origin))
        {
            return false;
        }

        if (await policies.GetPolicyAsync(http, name).ConfigureAwait(false) is not { } policy)
        {
            return false;
        }

        var result = cors.EvaluatePolicy(http, policy);
        cors.ApplyResult(result, http.Response);
        if (!result.IsPreflightRequest)
        {
            return false;
        }

        http.Response.StatusCode = StatusCodes.Status204NoContent;
        return true;
    }
}
