using System.Security.Cryptography;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// A tiny per-thread cache (use it from a [ThreadStatic] field) of values derived from keys: a validated Ed25519
/// signing key, an X25519 public key, a native key object. Entries are found by an id: the key itself for public
/// keys, a SHA-256 fingerprint for private keys (no copy of a secret is kept in the managed heap). Four entries,
/// replaced round-robin; an evicted <see cref="IDisposable"/> value is disposed. Not thread-safe by design: each
/// thread owns its instance, and operations are synchronous, so an entry is never evicted while it is in use.
/// </summary>
internal sealed class KeyCache<TValue>
    where TValue : class
{
    public const int Capacity = 4;
    public const int IdSize = 32;

    private readonly byte[] _ids = new byte[Capacity * IdSize];
    private readonly TValue?[] _values = new TValue?[Capacity];
    private int _next;

    /// <summary>Writes the id of a private key (SHA-256 over a domain label and the key) into <paramref name="id"/>.</summary>
    public static void PrivateKeyId(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> domain, Span<byte> id)
    {
        Span<byte> input = stackalloc byte[domain.Length + privateKey.Length];
        domain.CopyTo(input);
        privateKey.CopyTo(input[domain.Length..]);
        SHA256.HashData(input, id);
        CryptographicOperations.ZeroMemory(input);
    }

    public TValue? Find(ReadOnlySpan<byte> id)
    {
        for (var i = 0; i < Capacity; i++)
        {
            var value = _values[i];
            if (value is not null && id.SequenceEqual(_ids.AsSpan(i * IdSize, IdSize)))
            {
                return value;
            }
        }

        return null;
    }

    public void Add(ReadOnlySpan<byte> id, TValue value)
    {
        var slot = _next;
        _next = (_next + 1) % Capacity;
        var evicted = _values[slot];
        id.CopyTo(_ids.AsSpan(slot * IdSize, IdSize));
        _values[slot] = value;
        (evicted as IDisposable)?.Dispose();
    }
}
