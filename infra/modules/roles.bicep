// Every role assignment of the deployment lives here, and only the roles of decisions §28 appear:
// data-plane roles for the app's user-assigned identity, each scoped to the one resource it needs.
// Control-plane Owner, Contributor, User Access Administrator (and any other role) are never assigned;
// tests/Dm3.Infra.Tests checks this by role definition id.

@description('Principal (object) id of the user-assigned managed identity the app runs as.')
param principalId string

@description('Name of the storage account (host storage, deployment container, Tables, Queues).')
param storageAccountName string

@description('Name of the Key Vault holding the gateway signer, the escrow wrapping key and the secrets.')
param keyVaultName string

@description('Name of the Service Bus namespace; empty when messaging = storageQueues (no Service Bus roles then).')
param serviceBusNamespaceName string = ''

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424' // Key Vault Crypto User
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
}

var useServiceBus = !empty(serviceBusNamespaceName)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: useServiceBus ? serviceBusNamespaceName : 'none'
}

// Role: Storage Table Data Contributor — the app's Tables (Names, Inbox, Nonces, …).
resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Storage Queue Data Contributor — storage-queue transport (send, receive, poison) and host queues.
resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Storage Blob Data Owner — Functions host storage (leases, timers) and the Flex deployment container.
resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Azure Service Bus Data Sender — the API enqueues accepted envelopes.
resource serviceBusDataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useServiceBus) {
  name: guid(serviceBus.id, principalId, roleIds.serviceBusDataSender)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Azure Service Bus Data Receiver — the Service Bus trigger receives, completes and dead-letters.
resource serviceBusDataReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useServiceBus) {
  name: guid(serviceBus.id, principalId, roleIds.serviceBusDataReceiver)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Key Vault Crypto User — sign with the gateway key, wrapKey/unwrapKey with the escrow key (decisions §23).
resource keyVaultCryptoUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultCryptoUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultCryptoUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Role: Key Vault Secrets User — the platform resolves @Microsoft.KeyVault(...) app settings with this identity.
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
