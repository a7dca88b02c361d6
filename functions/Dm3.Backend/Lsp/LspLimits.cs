namespace Dm3.Backend.Lsp;

/// <summary>
/// Rate limits of linked-profiles §11, per app (<c>Apps__N__LspLimits__…</c>); the defaults are the spec's values and
/// an operator may tighten them. Nonce, session and link-record limits are fixed windows counted in the
/// <c>RateCounters</c> table; registrations are counted from the owner index itself (rows created in the last 24 h).
/// </summary>
public sealed class LspLimitOptions
{
    public int NoncesPerMinutePerIp { get; set; } = 30;

    public int NoncesPerMinutePerApp { get; set; } = 300;

    public int SessionsPerMinutePerOwner { get; set; } = 10;

    public int RegistrationsPerDayPerOwner { get; set; } = 5;

    public int LinkRecordWritesPerDayPerLsp { get; set; } = 10;

    /// <summary>Problems with the values (each must be positive).</summary>
    public IEnumerable<string> Validate(string path)
    {
        if (NoncesPerMinutePerIp <= 0 || NoncesPerMinutePerApp <= 0 || SessionsPerMinutePerOwner <= 0 || RegistrationsPerDayPerOwner <= 0
            || LinkRecordWritesPerDayPerLsp <= 0)
        {
            yield return $"{path}:LspLimits values must be positive.";
        }
    }
}
