// Service Bus namespace with the pipeline's queues (decisions §1, §2). Standard tier: duplicate detection
// needs it (Basic has none). Local (SAS) auth is disabled, so the namespace has no usable keys: senders and
// receivers authenticate with the app's managed identity only.

@description('Name of the Service Bus namespace.')
@minLength(6)
@maxLength(50)
param name string

@description('Azure region of the namespace.')
param location string

@description('Tags applied to the namespace.')
param tags object

@description('Names of the pipeline queues.')
param queueNames array

@description('Deliveries before a message is dead-lettered; matches host.json queues.maxDequeueCount so both transports give up after the same number of attempts.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int

@description('Window in which a repeated message id is dropped as a duplicate (ISO 8601 duration).')
param duplicateDetectionWindow string = 'PT10M'

@description('Time a message may wait in a queue before it expires into the dead-letter queue (ISO 8601 duration).')
param messageTimeToLive string = 'P14D'

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      deadLetteringOnMessageExpiration: true
      maxDeliveryCount: maxDeliveryCount
      lockDuration: 'PT1M'
      defaultMessageTimeToLive: messageTimeToLive
      requiresSession: false
      enablePartitioning: false
      enableBatchedOperations: true
    }
  }
]

output id string = namespace.id
output name string = namespace.name
// serviceBusEndpoint is 'https://<ns>.servicebus.windows.net:443/'; the host name alone is what
// ServiceBus__fullyQualifiedNamespace expects (and it stays right in sovereign clouds).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
