using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Microsoft.AspNetCore.Cors;

namespace Dm3.App.Web;

/// <summary>The web layer both hosts share: CORS policies, ProblemDetails, the exception handler; and the standalone route table.</summary>
public static class WebComposition
{
    public static IServiceCollection AddDm3Web(this IServiceCollection services)
    {
        services.AddDm3Cors();
        services.AddProblemDetails();
        services.AddExceptionHandler<UnexpectedExceptionHandler>();
        services.AddSingleton<FunctionCors>();
        return services;
    }

    /// <summary>
    /// The standalone route table: every feature's endpoints, each named after its HTTP function. A convention checks
    /// each named endpoint against its catalog declaration (same route, same method; start-up fails otherwise) and
    /// attaches the declared CORS policy, so the catalog is the one place a route, method and policy are written.
    /// </summary>
    public static IEndpointRouteBuilder MapDm3Features(this IEndpointRouteBuilder endpoints, IReadOnlyList<IAppFeature> features, RuntimeSettings runtime)
    {
        var catalog = endpoints.ServiceProvider.GetRequiredService<FunctionCatalog>();
        var root = endpoints.MapGroup("");
        ((IEndpointConventionBuilder)root).Finally(endpoint => Declare(endpoint, catalog));
        foreach (var feature in features)
        {
            feature.MapEndpoints(root, runtime);
        }

        return endpoints;
    }

    private static void Declare(EndpointBuilder endpoint, FunctionCatalog catalog)
    {
        if (endpoint.Metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName is not { } name)
        {
            return; // not a function (GET /)
        }

        var route = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText?.TrimStart('/');
        var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
        if (catalog.Find(name) is not HttpFunction function)
        {
            throw new InvalidOperationException($"Endpoint '{name}' is not declared as an HTTP function in the catalog (IAppFeature.Describe).");
        }

        if (!string.Equals(route, function.Route, StringComparison.Ordinal) || methods.Count != 1 || !string.Equals(methods[0], function.Method, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Endpoint '{name}' maps {string.Join(",", methods)} {route}, but the catalog declares {function.Method} {function.Route}.");
        }

        if (function.Cors is { } policy)
        {
            endpoint.Metadata.Add(new EnableCorsAttribute(policy));
            // Preflights (OPTIONS + Access-Control-Request-Method) must reach this endpoint for the CORS middleware to answer them.
            endpoint.Metadata.Add(new HttpMethodMetadata(methods, acceptCorsPreflight: true));
        }
    }
}
