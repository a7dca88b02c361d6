using Dm3.Backend.Apps;

namespace Dm3.Backend.Lsp;

/// <summary>Bearer-token checks shared by the session routes: a live session (401 <c>invalid_session</c>) with a scope (403 <c>scope_missing</c>).</summary>
public sealed class LspSessionAuth(LspSessionStore sessions, AppCatalog apps)
{
    public async Task<LspResult<(LspSession Session, AppDefinition App)>> AuthorizeAsync(string? bearerToken, string scope, CancellationToken cancellationToken)
    {
        var session = await sessions.FindAsync(bearerToken, cancellationToken).ConfigureAwait(false);
        var app = session is null ? null : apps.FindByParent(session.App);
        if (session is null || app is null)
        {
            return LspError.Session;
        }

        return session.Has(scope) ? (session, app) : LspError.Scope(scope);
    }
}
