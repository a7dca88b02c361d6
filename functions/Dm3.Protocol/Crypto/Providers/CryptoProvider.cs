namespace Dm3.Protocol.Crypto.Providers;

/// <summary>
/// The process-wide <see cref="ICryptoProvider"/>: BouncyCastle (managed, loads everywhere, including a browser)
/// unless a host installs another once at start-up, e.g. <c>SodiumCryptoProvider.Install()</c> from
/// Dm3.Protocol.Sodium wherever native code runs.
/// </summary>
public static class CryptoProvider
{
    private static readonly AsyncLocal<ICryptoProvider?> s_scoped = new();
    private static ICryptoProvider s_installed = BouncyCastleCryptoProvider.Instance;
    private static bool s_anyScoped;

    /// <summary>The provider in effect for the calling flow.</summary>
    public static ICryptoProvider Current => s_anyScoped && s_scoped.Value is { } scoped ? scoped : s_installed;

    /// <summary>Makes <paramref name="provider"/> the process-wide provider. Call once at start-up, before any crypto runs.</summary>
    public static void Install(ICryptoProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        Volatile.Write(ref s_installed, provider);
    }

    /// <summary>
    /// Uses <paramref name="provider"/> for the calling flow (thread and async continuations) until the result is
    /// disposed: the tests run every vector and property against each provider side by side.
    /// </summary>
    internal static IDisposable Use(ICryptoProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var previous = s_scoped.Value;
        s_anyScoped = true;
        s_scoped.Value = provider;
        return new Scope(previous);
    }

    private sealed class Scope(ICryptoProvider? previous) : IDisposable
    {
        public void Dispose() => s_scoped.Value = previous;
    }
}
