// Every role assignment of the deployment lives here, and only the roles of decisions §34 appear (data-plane
// roles for the app's user-assigned identity, each scoped to the one resource it needs), plus Monitoring
// Metrics Publisher on the Application Insights component: with local auth disabled there, telemetry is
// ingested only with the identity's Entra token, and this is the role the ingestion endpoint requires.
// Control-plane Owner, Contributor, User Access Administrator (and any other role) are never assigned;
// tests/Dm3.Infra.Tests checks this by role definition id.

@description('Principal (object) id of the user-assigned managed identity the app runs as.')
param principalId string

@description('Name of the storage account (host storage, deployment container, Tables, Queues).')
param storageAccountName string

@description('Name of the Key Vault holding the gateway signer, the escrow wrapping key and the secrets.')
param keyVaultName string

@description('Name of the Application Insights component the app sends telemetry to (Entra-authenticated ingestion).')
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424' // Key Vault Crypto User
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
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

// Role: Storage Queue Data Contributor — the pipeline queues (send, receive, poison) and host queues.
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

// Role: Monitoring Metrics Publisher — Entra-authenticated telemetry ingestion (the component has local auth off).
resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
