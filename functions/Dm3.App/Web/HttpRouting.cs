using Dm3.Backend.Apps;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Dm3.App.Web;

/// <summary>HTTP methods as constants, for <c>[HttpTrigger]</c> attributes and the function catalog alike.</summary>
public static class Verb
{
    public const string Get = "GET";
    public const string Post = "POST";
    public const string Put = "PUT";
    public const string Delete = "DELETE";
    public const string Options = "OPTIONS";
}

/// <summary>
/// The CORS policies (decisions §11), one per route group, applied by ASP.NET Core's CORS services in both hosts: the
/// standalone host through the CORS middleware and endpoint metadata, the Functions worker through
/// <see cref="FunctionCors"/>. A function names its policy in the catalog (<c>catalog.Http(…, cors: …)</c>).
/// </summary>
public static class CorsPolicies
{
    /// <summary>dm3 and EIP-3668 routes: any origin, bearer tokens, the paging header exposed.</summary>
    public const string AnyOrigin = "AnyOrigin";

    /// <summary>The linked-profile API (<c>/lsp/v1</c>): only the origins the apps configure (<c>Apps__N__AllowedOrigins__M</c>).</summary>
    public const string AppOrigins = "AppOrigins";

    public const string NextCursorHeader = "X-Next-Cursor";

    private static readonly string[] Methods = [Verb.Get, Verb.Post, Verb.Put, Verb.Delete];
    private static readonly string[] Headers = ["Content-Type", "Authorization"];

    public static IServiceCollection AddDm3Cors(this IServiceCollection services)
    {
        services.AddCors();
        // Read when the first cross-origin request arrives (the app catalog comes from settings validated at start-up).
        services.AddOptions<CorsOptions>().Configure<AppCatalog>((options, apps) =>
        {
            options.AddPolicy(AnyOrigin, policy => policy.AllowAnyOrigin().WithMethods(Methods).WithHeaders(Headers)
                .WithExposedHeaders(NextCursorHeader).SetPreflightMaxAge(TimeSpan.FromDays(1)));
            var origins = apps.Apps.SelectMany(app => app.AllowedOrigins).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            options.AddPolicy(AppOrigins, policy => policy.WithOrigins(origins).WithMethods(Methods).WithHeaders(Headers)
                .SetPreflightMaxAge(TimeSpan.FromHours(1)));
        });
        return services;
    }
}
