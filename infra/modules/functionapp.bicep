// Flex Consumption (FC1) Function App running Dm3.App on the .NET isolated worker (decisions §30).
//  - runtime: functionAppConfig.runtime = { name: 'dotnet-isolated', version: '10.0' }. On Flex the platform
//    derives the worker from it: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are NOT app
//    settings here.
//  - WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED=0: Flex + .NET 10 workaround (dotnet-worker#3335): without it the
//    platform's placeholder (pre-warmed) worker of another .NET version can pick up the app and fail to load it.
//  - app settings: identity-based connections (<Connection>__<service>ServiceUri + __credential + __clientId,
//    the Functions convention) and Key Vault references; no connection string or key. The Application
//    Insights connection string only locates the component; ingestion is Entra-authenticated
//    (APPLICATIONINSIGHTS_AUTHENTICATION_STRING with the identity's client id; local auth is off).
//    The names are kept in ONE place: the variable `appSettings` below.

@description('Name of the Function App (also the default host name <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app adds azd-service-name).')
param tags object

@description('azd service name that `azd deploy` looks for in the azd-service-name tag.')
param azdServiceName string = 'api'

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of the user-assigned managed identity (for the __clientId settings).')
param identityClientId string

@description('Primary blob endpoint of the storage account, with a trailing slash.')
param storageBlobEndpoint string

@description('Primary table endpoint of the storage account.')
param storageTableEndpoint string

@description('Primary queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Blob container that Flex Consumption deploys the package to.')
param deploymentContainerName string

@description('Name of the envelopes queue (decisions §2), resolved by the queue trigger as %EnvelopesQueue%.')
param envelopesQueueName string

@description('Name of the outbox queue of the relay (issue 11), resolved by the queue trigger as %OutboxQueue%.')
param outboxQueueName string

@description('Ethereum JSON-RPC endpoint of name resolution (Resolution__RpcUrl); empty = only names hosted here resolve.')
param resolutionRpcUrl string = ''

@description('Application Insights connection string (locates the component; not a secret). Ingestion is Entra-authenticated.')
param applicationInsightsConnectionString string

@description('Key Vault URI, e.g. https://<vault>.vault.azure.net/.')
param keyVaultUri string

@description('Key id (URL) of the gateway secp256k1 signing key; versionless unless a version is pinned.')
param gatewaySignerKeyId string

@description('Versionless key id (URL) of the LSP escrow wrapping key.')
param escrowWrappingKeyId string

@description('Versionless Key Vault secret URI of the delivery-service X25519 private key.')
param dsEncryptionPrivateKeyUri string

@description('Versionless Key Vault secret URI of the delivery-service Ed25519 private key.')
param dsSigningPrivateKeyUri string

@description('Versionless Key Vault secret URI of the delivery-service token secret.')
param dsTokenUri string

@description('Versionless Key Vault secret URI of the owner-index HMAC key.')
param ownerIndexKeyUri string

@description('ENS parent name of the embedding dApp, e.g. myapp.eth (Apps__0__ParentName).')
param appParentName string

@description('Public base URL of this backend; empty = https://<name>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Browser origin of the dApp allowed on the linked-profile API (decisions §11); empty = none yet.')
param appAllowedOrigin string = ''

@description('EIP-4361 domain (host[:port]) of the dApp, e.g. app.example.com; empty = none (wallet proofs for profile replacement and deletion are then rejected).')
param appDomain string = ''

@description('Also grant the dApp domain the linked-profile scope escrow (returns escrowed keys to a proven owner); off by default.')
param appDomainEscrow bool = false

@description('EIP-4361 chain id accepted in wallet proofs for the dApp (1 = Ethereum mainnet).')
@minValue(1)
param appChainId int = 1

@description('Address of the ENS OffchainResolver (or dm3 resolver) contract the CCIP-Read gateway answers for; empty until it is deployed.')
param ensResolverAddress string = ''

@description('Family of that resolver contract: ens (ENS OffchainResolver) or dm3 (ERC3668Resolver).')
@allowed([
  'ens'
  'dm3'
])
param ensResolverFamily string = 'ens'

@description('Lifetime of a signed gateway answer in seconds (the revocation bound, decisions §14).')
@minValue(61)
@maxValue(86400)
param gatewaySignatureTtlSeconds int = 300

@description('NCRONTAB schedule of the Sweeper timer (retention); the host resolves %SweeperSchedule% in its function.json.')
param sweeperSchedule string = '0 */15 * * * *'

@description('.NET version of the dotnet-isolated Flex stack (the app targets net10.0).')
param dotnetVersion string = '10.0'

@description('Maximum number of instances the app may scale out to (Flex: 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB (Flex: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances of the HTTP group; 0 (default) means pay per use with cold starts.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 0

@description('Concurrent HTTP requests per instance before Flex scales out.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

var defaultHostName = '${name}.azurewebsites.net'
var effectivePublicBaseUrl = empty(publicBaseUrl) ? 'https://${defaultHostName}' : publicBaseUrl

// Flex runtime (decisions §30): the .NET isolated worker.
var runtime = {
  name: 'dotnet-isolated'
  version: dotnetVersion
}

// THE list of app settings (name: value). Settings whose value is empty are not written (e.g. the
// resolver address before the contract is deployed). tests/Dm3.Infra.Tests read this block and
// cross-check it against the settings the program reads, the %Setting% references of its function.json
// files and local.settings.sample.json (tests/Dm3.Infra.Tests/CrossChecks); keep one setting per line,
// names quoted. Settings the program reads but Azure leaves at their defaults are listed there.
var appSettings = {
  // Functions host storage through the user-assigned identity (Flex: blob container, leases, timers, queues).
  'AzureWebJobsStorage__blobServiceUri': storageBlobEndpoint
  'AzureWebJobsStorage__queueServiceUri': storageQueueEndpoint
  'AzureWebJobsStorage__tableServiceUri': storageTableEndpoint
  'AzureWebJobsStorage__credential': 'managedidentity'
  'AzureWebJobsStorage__clientId': identityClientId
  // Telemetry: Entra-authenticated ingestion with the same identity (the component has local auth off).
  'APPLICATIONINSIGHTS_CONNECTION_STRING': applicationInsightsConnectionString
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING': 'Authorization=AAD;ClientId=${identityClientId}'
  // Flex + .NET 10 (dotnet-worker#3335): no placeholder worker.
  'WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED': '0'
  // App data: Tables and the pipeline queues (the "Storage" connection: SDK clients and queue triggers).
  'Storage__tableServiceUri': storageTableEndpoint
  'Storage__queueServiceUri': storageQueueEndpoint
  'Storage__credential': 'managedidentity'
  'Storage__clientId': identityClientId
  // %Setting% references of the triggers (the host fails to index a function whose setting is missing).
  'EnvelopesQueue': envelopesQueueName
  'OutboxQueue': outboxQueueName
  'SweeperSchedule': sweeperSchedule
  'LspSweeperSchedule': '0 */15 * * * *'
  'EscrowRewrapSchedule': '0 30 3 * * *'
  // Key Vault: the SDK's KeyClient / CryptographyClient for sign / wrapKey / unwrapKey (decisions §23, §33).
  'KeyVault__VaultUri': keyVaultUri
  'KeyVault__ClientId': identityClientId
  'Gateway__SignerKeyId': gatewaySignerKeyId
  // CCIP-Read gateway: the resolver contract it answers for (written once ensResolverAddress is known).
  'Gateway__SignatureTtlSeconds': string(gatewaySignatureTtlSeconds)
  'Gateway__Resolvers__0__Address': ensResolverAddress
  'Gateway__Resolvers__0__Family': empty(ensResolverAddress) ? '' : ensResolverFamily
  'Escrow__WrappingKeyId': escrowWrappingKeyId
  // Name resolution for the outbox relay and foreign senders: no default endpoint (decisions §36 policy applies).
  'Resolution__RpcUrl': resolutionRpcUrl
  // Secrets: Key Vault references resolved by the platform with keyVaultReferenceIdentity.
  'DeliveryService__EncryptionPrivateKey': '@Microsoft.KeyVault(SecretUri=${dsEncryptionPrivateKeyUri})'
  'DeliveryService__SigningPrivateKey': '@Microsoft.KeyVault(SecretUri=${dsSigningPrivateKeyUri})'
  'DeliveryService__TokenSecret': '@Microsoft.KeyVault(SecretUri=${dsTokenUri})'
  'Links__OwnerIndexKey': '@Microsoft.KeyVault(SecretUri=${ownerIndexKeyUri})'
  // The embedding dApp.
  'PublicBaseUrl': effectivePublicBaseUrl
  'Apps__0__ParentName': appParentName
  'Apps__0__ChainIds__0': string(appChainId)
  'Apps__0__AllowedOrigins__0': appAllowedOrigin
  // The dApp's EIP-4361 domain and the scopes it may obtain (URI prefix defaults to https://<domain>/).
  'Apps__0__Domains__0__Host': appDomain
  'Apps__0__Domains__0__Scopes__0': empty(appDomain) ? '' : 'query'
  'Apps__0__Domains__0__Scopes__1': empty(appDomain) ? '' : 'register'
  'Apps__0__Domains__0__Scopes__2': empty(appDomain) ? '' : 'delete'
  'Apps__0__Domains__0__Scopes__3': empty(appDomain) || !appDomainEscrow ? '' : 'escrow'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': azdServiceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ] : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: runtime
    }
    siteConfig: {
      minTlsVersion: '1.2'
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: toObject(filter(items(appSettings), s => !empty(s.value)), s => s.key, s => s.value)
}

// Deployments use Entra ID (OneDeploy with an ARM token); basic (user/password) publishing is off.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
output publicBaseUrl string = effectivePublicBaseUrl
