using Azure.Core;

namespace Dm3.Adapters.Tests.Support;

/// <summary>A TokenCredential that hands out numbered tokens and records the scopes asked for.</summary>
public sealed class FakeTokenCredential(TimeSpan lifetime, TimeProvider? time = null) : TokenCredential
{
    private int _issued;

    public int Issued => Volatile.Read(ref _issued);

    public List<string> Scopes { get; } = [];

    public string CurrentToken => "fake-token-" + Issued;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => Issue(requestContext);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Issue(requestContext));

    private AccessToken Issue(TokenRequestContext context)
    {
        lock (Scopes)
        {
            Scopes.AddRange(context.Scopes);
        }
        var n = Interlocked.Increment(ref _issued);
        return new AccessToken("fake-token-" + n, (time ?? TimeProvider.System).GetUtcNow().Add(lifetime));
    }
}
