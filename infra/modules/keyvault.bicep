// Key Vault in RBAC mode with soft delete and purge protection.
//  - keys: the gateway's secp256k1 signing key (EC P-256K, ES256K) and the LSP escrow wrapping key
//    (RSA 3072, RSA-OAEP-256; decisions §24). Both are HSM-backed when premiumVault is true.
//  - secrets (decisions §23): delivery-service X25519 and Ed25519 private keys, the token secret and the
//    owner-index HMAC key. Their values come in as secure parameters (generated outside Bicep, see
//    infra/scripts/ensure-secrets.sh) and are referenced from app settings, never copied into them.
// Creating a key through ARM only creates its first version; redeploying never rotates or replaces it.

@description('Name of the vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('Premium vault: keys become HSM-backed (EC-HSM, RSA-HSM). Standard (default) keeps software keys.')
param premiumVault bool

@description('Name of the gateway signing key (secp256k1).')
param signerKeyName string

@description('Name of the LSP escrow wrapping key (RSA 3072).')
param wrappingKeyName string

@description('Delivery-service X25519 private key, base64 (32 bytes).')
@secure()
param dsEncryptionPrivateKey string

@description('Delivery-service Ed25519 private key, base64 (64 bytes = seed || public key).')
@secure()
param dsSigningPrivateKey string

@description('Delivery-service token (JWT HS256) secret, base64 of at least 32 random bytes; independent of every signing key.')
@secure()
param dsTokenSecret string

@description('Linked-profile owner-index HMAC key, base64 of 32 random bytes.')
@secure()
param ownerIndexKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: premiumVault ? 'premium' : 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Gateway signer: ECDSA secp256k1. Key Vault's curve name for secp256k1 is 'P-256K'; sign with 'ES256K'.
resource signerKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: signerKeyName
  properties: {
    kty: premiumVault ? 'EC-HSM' : 'EC'
    curveName: 'P-256K'
    keyOps: [
      'sign'
      'verify'
    ]
    attributes: {
      enabled: true
    }
  }
}

// Escrow wrapping key: RSA 3072, used only with wrapKey/unwrapKey (RSA-OAEP-256).
resource wrappingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: wrappingKeyName
  properties: {
    kty: premiumVault ? 'RSA-HSM' : 'RSA'
    keySize: 3072
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    attributes: {
      enabled: true
    }
  }
}

resource dsEncryptionKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ds-encryption-private-key'
  properties: {
    value: dsEncryptionPrivateKey
    contentType: 'application/x-dm3-x25519-private-key;base64'
    attributes: {
      enabled: true
    }
  }
}

resource dsSigningKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ds-signing-private-key'
  properties: {
    value: dsSigningPrivateKey
    contentType: 'application/x-dm3-ed25519-private-key;base64'
    attributes: {
      enabled: true
    }
  }
}

resource dsTokenSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ds-token-secret'
  properties: {
    value: dsTokenSecret
    contentType: 'application/octet-stream;base64'
    attributes: {
      enabled: true
    }
  }
}

resource ownerIndexKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'links-owner-index-key'
  properties: {
    value: ownerIndexKey
    contentType: 'application/octet-stream;base64'
    attributes: {
      enabled: true
    }
  }
}

output id string = vault.id
output name string = vault.name
output vaultUri string = vault.properties.vaultUri
// Versionless key ids ('https://<vault>.vault.azure.net/keys/<name>'): the app uses the key's current version.
output signerKeyId string = signerKey.properties.keyUri
output signerKeyIdWithVersion string = signerKey.properties.keyUriWithVersion
output wrappingKeyId string = wrappingKey.properties.keyUri
// Versionless secret URIs: a Key Vault reference without a version follows the secret's latest version.
// (Output names avoid the word 'secret': these are addresses, not values.)
output dsEncryptionPrivateKeyUri string = dsEncryptionKeySecret.properties.secretUri
output dsSigningPrivateKeyUri string = dsSigningKeySecret.properties.secretUri
output dsTokenUri string = dsTokenSecretSecret.properties.secretUri
output ownerIndexKeyUri string = ownerIndexKeySecret.properties.secretUri
