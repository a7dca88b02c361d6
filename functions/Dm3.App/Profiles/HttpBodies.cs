using System.Text;

namespace Dm3.App.Profiles;

/// <summary>Small HTTP helpers shared by the resolver and gateway endpoints: bounded body reads and permissive CORS.</summary>
internal static class HttpBodies
{
    /// <summary>Reads the body as UTF-8 text; <c>TooLarge</c> when it exceeds <paramref name="maxBytes"/> (nothing more is read).</summary>
    public static async Task<(string? Text, bool TooLarge)> ReadTextAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, true);
        }

        var buffer = new byte[Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? 4096)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return (null, true);
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > maxBytes)
            {
                return (null, true);
            }
        }

        try
        {
            return (new UTF8Encoding(false, true).GetString(buffer, 0, length), false);
        }
        catch (DecoderFallbackException)
        {
            return (null, false);
        }
    }
}

/// <summary>CORS <c>*</c> (decisions §11): an endpoint filter for responses and explicit preflight routes.</summary>
internal static class AnyOriginCors
{
    public static TBuilder AllowAnyOrigin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
            return await next(context).ConfigureAwait(false);
        });

    /// <summary>Answers <c>OPTIONS</c> on <paramref name="pattern"/> with 204 and the allowed methods.</summary>
    public static void MapPreflight(this IEndpointRouteBuilder endpoints, string pattern, string methods) =>
        endpoints.MapMethods(pattern, ["OPTIONS"], (HttpContext http) =>
        {
            var headers = http.Response.Headers;
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlAllowMethods = methods + ", OPTIONS";
            headers.AccessControlAllowHeaders = "Content-Type";
            headers.AccessControlMaxAge = "86400";
            return Results.NoContent();
        }).ExcludeFromDescription();
}
