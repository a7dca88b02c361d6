using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Wallet;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Profiles;

namespace Dm3.Client.Component;

/// <summary>
/// A main dm3 profile (W§4): keys from the wallet's signature over the storage-key message, the profile signed by the
/// wallet, claimed as <c>&lt;addr&gt;.addr.&lt;P&gt;</c> at the backend and given a DS account.
/// </summary>
public sealed class MainProfiles(ClientContext context)
{
    public async Task<Identity> CreateAsync(string backend, string app, IWallet owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var storageSignature = await owner.SignPersonalAsync(StorageKeyDerivation.CreationMessage(StorageKeyDerivation.DefaultNonce, owner.Address), ct)
            .ConfigureAwait(false);
        var keys = ProfileKeys.FromSignature(storageSignature);
        var profile = keys.ToUserProfile(["ds." + app]);
        var signed = new SignedUserProfile(profile, await owner.SignPersonalAsync(ProfileCreationMessage.Create(profile, owner.Address), ct).ConfigureAwait(false));
        var identity = new Identity
        {
            Kind = IdentityKinds.Main, Name = Ethereum.ToLowerAddress(owner.Address) + ".addr." + app, AppParent = app, Backend = backend,
            ProfileSeed = keys.StorageKey, SignedUserProfile = signed.ToCanonicalJson(), Owner = Ethereum.ToChecksumAddress(owner.Address),
        };
        await context.Backend(backend).ClaimAddressAsync(identity.SignedUserProfile, owner.Address, "addr." + app, ct).ConfigureAwait(false);
        await context.EnsureAccountAsync(identity, ct).ConfigureAwait(false);
        return identity;
    }
}
