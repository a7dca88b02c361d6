using Dm3.Backend.Resolution;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Lsp;

/// <summary>
/// Main profiles that are not hosted here, for the §9.2 write-time check of a link attestation (issue 12): resolved
/// through ENS by the shared <see cref="NameResolver"/>. <see cref="None"/> when no chain RPC is configured.
/// </summary>
public interface IForeignProfiles
{
    /// <summary>The verified profile of <paramref name="name"/>, or null.</summary>
    Task<SignedUserProfile?> GetAsync(string name, CancellationToken cancellationToken);
}

public sealed class ResolverForeignProfiles(NameResolver resolver) : IForeignProfiles
{
    public async Task<SignedUserProfile?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var result = await resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        return result.Status == ResolutionStatus.Resolved ? result.Profile : null;
    }
}

public sealed class NoForeignProfiles : IForeignProfiles
{
    public Task<SignedUserProfile?> GetAsync(string name, CancellationToken cancellationToken) => Task.FromResult<SignedUserProfile?>(null);
}
