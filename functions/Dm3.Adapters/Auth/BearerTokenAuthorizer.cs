using System.Net.Http.Headers;
using Azure.Core;

namespace Dm3.Adapters.Auth;

/// <summary>
/// Authorizes requests with an Entra ID access token from a <see cref="TokenCredential"/>
/// (DefaultAzureCredential, ManagedIdentityCredential, …). The token is cached and refreshed
/// <see cref="RefreshMargin"/> before it expires; concurrent callers share one refresh.
/// </summary>
public sealed class BearerTokenAuthorizer : IRequestAuthorizer
{
    /// <summary>Tokens are renewed this long before their expiry.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    public const string StorageScope = "https://storage.azure.com/.default";
    public const string ServiceBusScope = "https://servicebus.azure.net/.default";
    public const string KeyVaultScope = "https://vault.azure.net/.default";

    private readonly TokenCredential _credential;
    private readonly TokenRequestContext _context;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessToken? _cached;

    public BearerTokenAuthorizer(TokenCredential credential, string scope, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrEmpty(scope);
        _credential = credential;
        _context = new TokenRequestContext([scope]);
        _time = timeProvider ?? TimeProvider.System;
    }

    public async ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } fresh && IsUsable(fresh))
        {
            return fresh.Token;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && IsUsable(again))
            {
                return again.Token;
            }
            var token = await _credential.GetTokenAsync(_context, cancellationToken).ConfigureAwait(false);
            _cached = token;
            return token.Token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private bool IsUsable(AccessToken token) => token.ExpiresOn - RefreshMargin > _time.GetUtcNow();
}
