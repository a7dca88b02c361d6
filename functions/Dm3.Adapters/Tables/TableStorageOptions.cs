using Azure.Core;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Storage;

namespace Dm3.Adapters.Tables;

/// <summary>
/// Where the table service lives and how to authorize. <paramref name="Endpoint"/> is the account's table endpoint
/// (<c>https://{acct}.table.core.windows.net</c> or Azurite's path-style <c>http://127.0.0.1:10002/devstoreaccount1</c>).
/// </summary>
public sealed record TableStorageOptions(Uri Endpoint, IRequestAuthorizer Authorizer)
{
    public ResilienceOptions Resilience { get; init; } = ResilienceOptions.Default;

    /// <summary>SharedKey (or SharedKeyLite) from a connection string, including <c>UseDevelopmentStorage=true</c>.</summary>
    public static TableStorageOptions FromConnectionString(string connectionString, bool sharedKeyLite = false) =>
        FromConnection(StorageConnection.Parse(connectionString), sharedKeyLite);

    public static TableStorageOptions FromConnection(StorageConnection connection, bool sharedKeyLite = false) =>
        new(connection.TableEndpoint, SharedKeyAuthorizer.ForTables(connection, sharedKeyLite));

    /// <summary>Entra ID bearer tokens (scope https://storage.azure.com/.default), e.g. a managed identity.</summary>
    public static TableStorageOptions WithCredential(Uri endpoint, TokenCredential credential) =>
        new(endpoint, new BearerTokenAuthorizer(credential, BearerTokenAuthorizer.StorageScope));
}
