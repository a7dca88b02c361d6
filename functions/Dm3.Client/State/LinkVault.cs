using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dm3.Protocol.Encoding;

namespace Dm3.Client.State;

/// <summary>
/// Encrypted storage of accepted links (§8.3 "On accept"): AES-256-GCM with a key HKDF-derived from the main
/// profile's seed (info <c>dm3-client-v1 linked-profiles</c>), random 96-bit IV; stored as base64(iv ‖ ciphertext ‖ tag).
/// </summary>
public static class LinkVault
{
    private const string Info = "dm3-client-v1 linked-profiles";

    public static List<AcceptedLink> Open(Identity main)
    {
        ArgumentNullException.ThrowIfNull(main);
        if (main.LinkedSealed is null)
        {
            return [];
        }

        var blob = Convert.FromBase64String(main.LinkedSealed);
        var key = Key(main);
        var plain = new byte[blob.Length - 28];
        using (var aes = new AesGcm(key, 16))
        {
            aes.Decrypt(blob.AsSpan(0, 12), blob.AsSpan(12, plain.Length), blob.AsSpan(12 + plain.Length), plain, Encoding.UTF8.GetBytes(main.Name));
        }

        CryptographicOperations.ZeroMemory(key);
        return JsonSerializer.Deserialize<List<AcceptedLink>>(plain, ClientState.Json) ?? [];
    }

    public static void Seal(Identity main, IReadOnlyList<AcceptedLink> links)
    {
        ArgumentNullException.ThrowIfNull(main);
        var plain = JsonSerializer.SerializeToUtf8Bytes(links, ClientState.Json);
        var blob = new byte[12 + plain.Length + 16];
        RandomNumberGenerator.Fill(blob.AsSpan(0, 12));
        var key = Key(main);
        using (var aes = new AesGcm(key, 16))
        {
            aes.Encrypt(blob.AsSpan(0, 12), plain, blob.AsSpan(12, plain.Length), blob.AsSpan(12 + plain.Length), Encoding.UTF8.GetBytes(main.Name));
        }

        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(plain);
        main.LinkedSealed = Convert.ToBase64String(blob);
    }

    private static byte[] Key(Identity main)
    {
        if (!Base64Std.TryDecode(main.ProfileSeed, out var seed, 32))
        {
            throw new InvalidOperationException("The identity has no profile seed.");
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 32, Encoding.UTF8.GetBytes("dm3-client-v1"), Encoding.UTF8.GetBytes(Info));
    }
}
