using Dm3.Protocol;

namespace Dm3.Backend.Profiles;

/// <summary>Outcomes of the resolver's use cases; the one HTTP mapping lives in the app's resolver endpoints.</summary>
public enum ResolverStatus
{
    /// <summary>Done; nothing new was created (idempotent repeat, replacement, read).</summary>
    Ok,

    /// <summary>A new name was stored.</summary>
    Created,

    /// <summary>The name was deleted.</summary>
    Deleted,

    /// <summary>The request is malformed or names something this deployment does not issue (400).</summary>
    Invalid,

    /// <summary>The wallet proof was not accepted (401).</summary>
    Unauthorized,

    /// <summary>Nothing stored under that name or address (404).</summary>
    NotFound,

    /// <summary>Another profile holds the name, or it changed meanwhile (409).</summary>
    Conflict,
}

/// <summary>Small helpers to build error outcomes.</summary>
internal static class ResolverErrors
{
    public static ProtocolError Error(string code, string message) => new(code, message);
}
