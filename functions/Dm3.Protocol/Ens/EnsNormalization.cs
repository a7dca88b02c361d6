using System.Diagnostics.CodeAnalysis;
using ADRaffy.ENSNormalize;

namespace Dm3.Protocol.Ens;

/// <summary>
/// ENSIP-15 name normalisation for names we <em>resolve</em> (any ENS name), replacing decisions §18's ASCII-only rule
/// there. Names we <em>issue</em> keep the stricter <see cref="EnsNameRules"/> (they are ENSIP-15 normalised already).
/// Backed by ADRaffy.ENSNormalize (by the author of ENSIP-15, Unicode 17, its own NFC/NFD tables so the .NET runtime's
/// Unicode version does not matter); agreement with <c>conformance/ensip15/tests.json</c> is measured by the tests.
/// </summary>
public static class EnsNormalization
{
    /// <summary>
    /// Normalises <paramref name="name"/>. Fails with a reason that names the ENSIP-15 rule (never the name itself) for
    /// a name that has no normalised form; the empty name (the root) is refused too: there is nothing to resolve.
    /// </summary>
    public static bool TryNormalize(string? name, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out ProtocolError? error)
    {
        normalized = null;
        if (string.IsNullOrEmpty(name))
        {
            error = new ProtocolError("ens.normalize.empty", "The name is empty.");
            return false;
        }

        try
        {
            normalized = ENSNormalize.ENSIP15.Normalize(name);
            error = null;
            return true;
        }
        catch (InvalidLabelException e)
        {
            error = FromNormException(e.Error);
            return false;
        }
        catch (NormException e)
        {
            error = FromNormException(e);
            return false;
        }
    }

    /// <summary>True when <paramref name="name"/> is non-empty and already in its ENSIP-15 normalised form.</summary>
    public static bool IsNormalized(string? name) => TryNormalize(name, out var normalized, out _) && string.Equals(normalized, name, StringComparison.Ordinal);

    private static ProtocolError FromNormException(NormException e)
    {
        var code = "ens.normalize." + e.Kind.Replace(' ', '_').Replace('-', '_');
        return new ProtocolError(code, e.Reason is null ? $"The name is not valid under ENSIP-15: {e.Kind}." : $"The name is not valid under ENSIP-15: {e.Kind} ({e.Reason}).");
    }
}
