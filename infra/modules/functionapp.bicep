// Flex Consumption (FC1) Function App running the Dm3.App custom handler.
//  - runtime: functionAppConfig.runtime = { name: 'custom', version: '1.0' } (decisions §4). On Flex the
//    platform derives the worker from it: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are
//    NOT app settings here (functions-custom-handler.md §7.2).
//  - fallback for a region whose Flex stacks lack 'custom' (check with
//    `az functionapp list-flexconsumption-runtimes -l <region>`): deploy with runtimeName = 'dotnet-isolated'.
//    The package is the same self-contained linux-x64 build with host.json customHandler
//    defaultExecutablePath 'Dm3.App', so it does not depend on the image's .NET version.
//  - app settings: identity-based connections (__credential/__clientId, __fullyQualifiedNamespace, service
//    URIs) and Key Vault references; no connection string or key except APPLICATIONINSIGHTS_CONNECTION_STRING.
//    Their names are kept in ONE place: the variable `appSettings` below.

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

@description('Name of the storage account used as host storage (AzureWebJobsStorage).')
param storageAccountName string

@description('Primary blob endpoint of the storage account, with a trailing slash.')
param storageBlobEndpoint string

@description('Primary table endpoint of the storage account.')
param storageTableEndpoint string

@description('Primary queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Blob container that Flex Consumption deploys the package to.')
param deploymentContainerName string

@description('Pipeline transport: serviceBus (default in Azure) or storageQueues (cheapest).')
@allowed([
  'serviceBus'
  'storageQueues'
])
param messaging string

@description('Fully qualified Service Bus namespace host name; empty when messaging = storageQueues.')
param serviceBusFullyQualifiedNamespace string = ''

@description('Name of the envelopes queue (decisions §2), read by function.json as %EnvelopesQueue%.')
param envelopesQueueName string

@description('Application Insights connection string (not a secret; decisions §28).')
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

@description('Functions runtime stack of the Flex app: custom (default) or the documented fallback dotnet-isolated.')
@allowed([
  'custom'
  'dotnet-isolated'
])
param runtimeName string = 'custom'

@description('Runtime version used only with the dotnet-isolated fallback stack.')
param dotnetIsolatedVersion string = '8.0'

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
var useServiceBus = messaging == 'serviceBus'

// Flex runtime (decisions §4). 'custom' 1.0 is the stack for custom handlers.
var runtime = runtimeName == 'custom' ? {
  name: 'custom'
  version: '1.0'
} : {
  name: 'dotnet-isolated'
  version: dotnetIsolatedVersion
}

// THE list of app settings (name: value). Settings whose value is empty are not written (e.g. the
// ServiceBus__* settings when messaging = storageQueues). tests/Dm3.Infra.Tests
// read this block; keep one setting per line, names quoted.
var appSettings = {
  // Functions host storage, through the managed identity (Flex: blob container + leases).
  'AzureWebJobsStorage__accountName': storageAccountName
  'AzureWebJobsStorage__credential': 'managedidentity'
  'AzureWebJobsStorage__clientId': identityClientId
  'APPLICATIONINSIGHTS_CONNECTION_STRING': applicationInsightsConnectionString
  // App data: Tables, and Queues for the storage-queue transport ("connection": "Storage" in function.json).
  'Storage__tableServiceUri': storageTableEndpoint
  'Storage__queueServiceUri': storageQueueEndpoint
  'Storage__credential': 'managedidentity'
  'Storage__clientId': identityClientId
  // Service Bus transport ("connection": "ServiceBus" in function.json).
  'ServiceBus__fullyQualifiedNamespace': useServiceBus ? serviceBusFullyQualifiedNamespace : ''
  'ServiceBus__credential': useServiceBus ? 'managedidentity' : ''
  'ServiceBus__clientId': useServiceBus ? identityClientId : ''
  'Messaging__Transport': messaging
  'EnvelopesQueue': envelopesQueueName
  // Key Vault: REST adapter for sign / wrapKey / unwrapKey (decisions §23).
  'KeyVault__VaultUri': keyVaultUri
  'KeyVault__ClientId': identityClientId
  'Gateway__SignerKeyId': gatewaySignerKeyId
  'Escrow__WrappingKeyId': escrowWrappingKeyId
  // Secrets: Key Vault references resolved by the platform with keyVaultReferenceIdentity.
  'DeliveryService__EncryptionPrivateKey': '@Microsoft.KeyVault(SecretUri=${dsEncryptionPrivateKeyUri})'
  'DeliveryService__SigningPrivateKey': '@Microsoft.KeyVault(SecretUri=${dsSigningPrivateKeyUri})'
  'DeliveryService__TokenSecret': '@Microsoft.KeyVault(SecretUri=${dsTokenUri})'
  'Links__OwnerIndexKey': '@Microsoft.KeyVault(SecretUri=${ownerIndexKeyUri})'
  // The embedding dApp.
  'PublicBaseUrl': effectivePublicBaseUrl
  'Apps__0__ParentName': appParentName
  'Apps__0__AllowedOrigins__0': appAllowedOrigin
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
