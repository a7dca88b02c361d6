using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>Open the delivery-service account of <paramref name="Address"/> (lower-case 0x address).</summary>
/// <param name="ProfileHash">The dm3 hash of the profile the name was given out with (kept for the record).</param>
public sealed record OpenAccountRequest(string Address, string ProfileHash);

/// <summary><c>Opened</c> when this call created the account, false when it existed already (left as it was).</summary>
public sealed record OpenAccountResult(bool Opened);

/// <summary>
/// Sign-up at the delivery service (decisions §35): the account exists from the moment this deployment gives a name
/// out — a resolver claim (<see cref="Profiles.ClaimAddressHandler"/>) and, later, an LSP registration call this same
/// handler in their own flow. There is no other way to create an account: <c>POST /profile/{name}</c> never creates
/// one that a claim has not, and never hands out a token (the signed profile is public once claimed); clients sign in
/// with the challenge flow. Insert-if-absent in <c>Accounts</c> (PK = address, RK = ""): default settings, never
/// resetting an existing account.
/// </summary>
public sealed class OpenAccountHandler(DeliveryStorage storage, TimeProvider time)
{
    internal const string ExtensionColumn = "ProfileExtension";
    internal const string CreatedAtColumn = "CreatedAt";
    internal const string ProfileHashColumn = "ProfileHash";

    public async Task<OpenAccountResult> HandleAsync(OpenAccountRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = await storage.Accounts.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(request.Address, "", new Dictionary<string, object?>
        {
            [ExtensionColumn] = DeliveryDirectory.DefaultProfileExtensionJson,
            [CreatedAtColumn] = time.GetUtcNow(),
            [ProfileHashColumn] = request.ProfileHash,
        });
        var result = await store.InsertAsync(storage.Accounts.Name, entity, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            TableWriteStatus.Ok => new OpenAccountResult(Opened: true),
            TableWriteStatus.Conflict => new OpenAccountResult(Opened: false),
            _ => throw new InvalidOperationException($"Opening a delivery account ended with {result.Status}."),
        };
    }
}
