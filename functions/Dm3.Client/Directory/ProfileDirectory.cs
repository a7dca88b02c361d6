using Dm3.Backend.Resolution;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;

namespace Dm3.Client.Directory;

/// <summary>A delivery service of a resolved profile: its URL and keys.</summary>
public sealed record DeliveryEndpoint(string Name, string Url, byte[] EncryptionPublicKey, byte[] SigningPublicKey);

/// <summary>A name whose SignedUserProfile verified against its address.</summary>
public sealed record ResolvedProfile(string Name, byte[] Address, SignedUserProfile Profile, IReadOnlyList<DeliveryEndpoint> DeliveryServices)
{
    /// <summary>sha256(UTF-8(canonical(SignedUserProfile))) — the profile hash of linked-profiles §3.4.</summary>
    public string ProfileHash => Hashes.Sha256HexOfUtf8(Profile.ToCanonicalJson());

    public byte[] SigningPublicKey => Base64Std.TryDecode(Profile.Profile.PublicSigningKey, out var k, 32) ? k : [];

    public byte[] EncryptionPublicKey => Base64Std.TryDecode(Profile.Profile.PublicEncryptionKey, out var k, 32) ? k : [];
}

/// <summary>Name resolution as the client needs it (the shared resolver of Dm3.Backend/Resolution behind it).</summary>
public interface IProfileDirectory
{
    /// <summary>The verified profile of a name, or null when it does not resolve to one.</summary>
    Task<ResolvedProfile?> ResolveAsync(string name, CancellationToken cancellationToken);

    /// <summary>A text record (empty when unset, null when the name does not resolve).</summary>
    Task<string?> ReadTextAsync(string name, string key, CancellationToken cancellationToken);
}

/// <summary>ENS (ENSIP-10 + EIP-3668) through <see cref="NameResolver"/>; build it with a zero-entry cache for fresh answers.</summary>
public sealed class ResolverDirectory(NameResolver resolver) : IProfileDirectory
{
    public async Task<ResolvedProfile?> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var result = await resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        if (result.Status != ResolutionStatus.Resolved || result.Profile is null || result.Address is null || result.Name is null)
        {
            return null;
        }

        var services = new List<DeliveryEndpoint>();
        foreach (var ds in result.DeliveryServices)
        {
            if (ds.Profile is { } p && Base64Std.TryDecode(p.PublicEncryptionKey, out var enc, 32) && Base64Std.TryDecode(p.PublicSigningKey, out var sig, 32))
            {
                services.Add(new DeliveryEndpoint(ds.Name, p.Url.TrimEnd('/'), enc, sig));
            }
        }

        return new ResolvedProfile(result.Name, result.Address, result.Profile, services);
    }

    public async Task<string?> ReadTextAsync(string name, string key, CancellationToken cancellationToken)
    {
        var read = await resolver.ReadTextRecordAsync(name, key, cancellationToken).ConfigureAwait(false);
        return read.Status is ResolutionStatus.Resolved or ResolutionStatus.NotFound ? read.Value ?? "" : null;
    }
}
