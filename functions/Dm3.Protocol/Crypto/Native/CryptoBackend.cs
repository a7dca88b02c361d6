namespace Dm3.Protocol.Crypto.Native;

/// <summary>
/// Chooses the implementation of X25519 and Ed25519 once per process: OpenSSL's libcrypto when it can be loaded
/// (Linux, OpenSSL 3), BouncyCastle otherwise. <c>DM3_CRYPTO_BACKEND=managed</c> forces BouncyCastle (tests,
/// diagnosis). Both give identical results for every input (tests/Dm3.Protocol.Tests/Crypto/Native*).
/// </summary>
internal static class CryptoBackend
{
    public const string EnvironmentVariable = "DM3_CRYPTO_BACKEND";

    /// <summary>True when X25519 and Ed25519 go through OpenSSL.</summary>
    public static bool UseNative { get; } = Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), LibCrypto.TryInitialize);

    /// <summary>A short description for diagnostics (bench headers, logs).</summary>
    public static string Description => UseNative
        ? $"native ({LibCrypto.LoadedLibrary}, OpenSSL 0x{LibCrypto.VersionNumber:x})"
        : "managed (BouncyCastle)";

    /// <summary>"managed" (any case, surrounding blanks ignored) forces the managed path; anything else uses native when available.</summary>
    internal static bool Resolve(string? setting, Func<bool> nativeAvailable) =>
        !string.Equals(setting?.Trim(), "managed", StringComparison.OrdinalIgnoreCase) && nativeAvailable();
}
