using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Protocol;
using Dm3.Protocol.Crypto;

namespace Dm3.Backend.Profiles;

/// <summary><c>GET /resolver/profile/{address}</c>: the SignedUserProfile stored for an address under this deployment's address names.</summary>
public sealed record GetProfileRequest(string? Address);

/// <summary>The stored profile (canonical JSON) and its name, or why not.</summary>
public sealed record GetProfileResult(ResolverStatus Status, string? Name, string? ProfileJson, ProtocolError? Error);

/// <summary>
/// Looks the address up under each app's <c>addr.&lt;P&gt;</c> in configuration order (one point read per app; apps are
/// few) and returns the first stored profile.
/// </summary>
public sealed class GetProfileHandler(AppCatalog apps, NameStore names)
{
    public async Task<GetProfileResult> HandleAsync(GetProfileRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ethereum.TryParseAddress(request.Address, out var address, out var error))
        {
            return new GetProfileResult(ResolverStatus.Invalid, null, null, error);
        }

        var lower = Ethereum.ToLowerAddress(address);
        foreach (var app in apps.Apps)
        {
            var record = await names.GetAsync(app.AddressName(lower), cancellationToken).ConfigureAwait(false);
            if (record is not null)
            {
                return new GetProfileResult(ResolverStatus.Ok, record.Name, record.ProfileJson, null);
            }
        }

        return new GetProfileResult(ResolverStatus.NotFound, null, null, new ProtocolError("profile.not_found", "No profile is stored for this address."));
    }
}
