namespace Dm3.Backend.Lsp;

/// <summary>The error kinds of the linked-profile API (linked-profiles §16 item 5). The app maps each to one HTTP status.</summary>
public enum LspErrorKind
{
    InvalidRequest,
    InvalidProfile,
    InvalidBinding,
    EscrowMismatch,
    InvalidProof,
    InvalidSession,
    ScopeMissing,
    SessionUsed,
    UnknownApp,
    NotFound,
    NameTaken,
    LspExists,
    InvalidAttestation,
    RateLimited,
}

/// <summary>An error outcome: kind, the wire <see cref="Code"/> and a detail safe to show (never which proof check failed).</summary>
public sealed record LspError(LspErrorKind Kind, string Detail, TimeSpan? RetryAfter = null, RateLimitState? RateLimit = null)
{
    public string Code => Kind switch
    {
        LspErrorKind.InvalidRequest => "invalid_request",
        LspErrorKind.InvalidProfile => "invalid_profile",
        LspErrorKind.InvalidBinding => "invalid_binding",
        LspErrorKind.EscrowMismatch => "escrow_mismatch",
        LspErrorKind.InvalidProof => "invalid_proof",
        LspErrorKind.InvalidSession => "invalid_session",
        LspErrorKind.ScopeMissing => "scope_missing",
        LspErrorKind.SessionUsed => "session_used",
        LspErrorKind.UnknownApp => "unknown_app",
        LspErrorKind.NotFound => "not_found",
        LspErrorKind.NameTaken => "name_taken",
        LspErrorKind.LspExists => "lsp_exists",
        LspErrorKind.InvalidAttestation => "invalid_attestation",
        LspErrorKind.RateLimited => "rate_limited",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    public static LspError Request(string detail) => new(LspErrorKind.InvalidRequest, detail);

    /// <summary>Every proof failure looks the same from outside (§12); the reason is logged by the caller.</summary>
    public static readonly LspError Proof = new(LspErrorKind.InvalidProof, "The proof was not accepted.");

    public static readonly LspError Session = new(LspErrorKind.InvalidSession, "A valid bearer token of an owner session is required.");

    public static LspError Scope(string scope) => new(LspErrorKind.ScopeMissing, $"The session lacks the scope '{scope}'.");
}

/// <summary>A value or an <see cref="LspError"/>.</summary>
public readonly record struct LspResult<T>(T? Value, LspError? Error)
{
    public bool IsOk => Error is null;

    public static implicit operator LspResult<T>(T value) => new(value, null);

    public static implicit operator LspResult<T>(LspError error) => new(default, error);
}

/// <summary>The state of the counter that answered a rate-limited request (for <c>RateLimit-*</c> headers).</summary>
public sealed record RateLimitState(int Limit, int Remaining, TimeSpan Reset);
