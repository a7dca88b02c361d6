using System.Security.Cryptography;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// A software secp256k1 signer for development and tests: the key comes from configuration (hex) or from a dev key file
/// that is generated on first use (keep that path git-ignored). KeyId is <c>local:&lt;lower-case address&gt;</c>.
/// </summary>
public sealed class LocalDigestSigner : IDigestSigner
{
    private readonly byte[] _privateKey;
    private readonly byte[] _address;

    public LocalDigestSigner(ReadOnlySpan<byte> privateKey32)
    {
        if (!Secp256k1.IsValidPrivateKey(privateKey32))
        {
            throw new ArgumentException("The private key is not a valid secp256k1 scalar.", nameof(privateKey32));
        }
        _privateKey = privateKey32.ToArray();
        _address = Ethereum.AddressFromPrivateKey(_privateKey);
        KeyId = "local:" + Ethereum.ToLowerAddress(_address);
    }

    public ReadOnlyMemory<byte> Address => _address;

    public string KeyId { get; }

    /// <summary>From a 64-hex-digit private key, with or without 0x.</summary>
    public static LocalDigestSigner FromHex(string privateKeyHex)
    {
        ArgumentNullException.ThrowIfNull(privateKeyHex);
        if (!Hex.TryDecode(privateKeyHex.Trim(), out var bytes, requirePrefix: false) || bytes.Length != 32)
        {
            throw new FormatException("The signer key is not 32 bytes of hex.");
        }
        return new LocalDigestSigner(bytes);
    }

    /// <summary>Loads the hex key in <paramref name="devKeyFilePath"/>, creating it (mode 0600) with a fresh key when absent.</summary>
    public static LocalDigestSigner LoadOrCreate(string devKeyFilePath)
    {
        var text = DevKeyFile.ReadOrCreate(devKeyFilePath, () =>
        {
            byte[] key;
            do
            {
                key = RandomNumberGenerator.GetBytes(32);
            }
            while (!Secp256k1.IsValidPrivateKey(key));
            return Hex.Encode(key) + "\n";
        });
        return FromHex(text);
    }

    public Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest32, CancellationToken cancellationToken)
    {
        if (digest32.Length != 32)
        {
            throw new ArgumentException("The digest must be 32 bytes.", nameof(digest32));
        }
        return Task.FromResult(Secp256k1.SignDigest(_privateKey, digest32.Span));
    }

    public override string ToString() => $"LocalDigestSigner({KeyId})";
}

/// <summary>Creates a secret dev file exactly once (0600 on Unix); concurrent creators all read the winner's content.</summary>
internal static class DevKeyFile
{
    public static string ReadOrCreate(string path, Func<string> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return File.ReadAllText(path);
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var content = create();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(path, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(content);
            }
            return content;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path);
        }
    }
}
