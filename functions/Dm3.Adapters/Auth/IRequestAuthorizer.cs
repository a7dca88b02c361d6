namespace Dm3.Adapters.Auth;

/// <summary>
/// Adds the Authorization header (and whatever it depends on) to one outgoing request.
/// Called once per attempt, after every other header and the content are set, so that signatures cover the final request.
/// </summary>
public interface IRequestAuthorizer
{
    ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken);
}
