using Dm3.Adapters.Auth;
using Dm3.Adapters.Resilience;
using Polly;

namespace Dm3.Adapters.Http;

/// <summary>
/// Sends one logical request through the shared retry pipeline. Each attempt builds a fresh request
/// (so dates and signatures are current) and authorizes it just before sending.
/// </summary>
internal sealed class AdapterHttp(HttpClient client, IRequestAuthorizer authorizer, ResiliencePipeline<HttpResponseMessage> pipeline)
{
    public AdapterHttp(HttpClient client, IRequestAuthorizer authorizer, ResilienceOptions? options)
        : this(client, authorizer, AdapterResilience.CreatePipeline(options))
    {
    }

    /// <summary>The response (body buffered); the caller disposes it.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> buildRequest, CancellationToken cancellationToken)
    {
        return await pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                using var request = state.buildRequest();
                await state.authorizer.AuthorizeAsync(request, ct).ConfigureAwait(false);
                return await state.client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            },
            (buildRequest, authorizer, client),
            cancellationToken).ConfigureAwait(false);
    }
}
