using Azure.Core;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Storage;

namespace Dm3.Adapters.Queues;

/// <summary>
/// Where the queue service lives and how to authorize. <paramref name="Endpoint"/> is the account's queue endpoint
/// (<c>https://{acct}.queue.core.windows.net</c> or Azurite's path-style <c>http://127.0.0.1:10001/devstoreaccount1</c>).
/// </summary>
public sealed record QueueStorageOptions(Uri Endpoint, IRequestAuthorizer Authorizer)
{
    public ResilienceOptions Resilience { get; init; } = ResilienceOptions.Default;

    /// <summary>SharedKey from a connection string, including <c>UseDevelopmentStorage=true</c>.</summary>
    public static QueueStorageOptions FromConnectionString(string connectionString) =>
        FromConnection(StorageConnection.Parse(connectionString));

    public static QueueStorageOptions FromConnection(StorageConnection connection) =>
        new(connection.QueueEndpoint, SharedKeyAuthorizer.ForQueues(connection));

    /// <summary>Entra ID bearer tokens (scope https://storage.azure.com/.default), e.g. a managed identity.</summary>
    public static QueueStorageOptions WithCredential(Uri endpoint, TokenCredential credential) =>
        new(endpoint, new BearerTokenAuthorizer(credential, BearerTokenAuthorizer.StorageScope));
}
