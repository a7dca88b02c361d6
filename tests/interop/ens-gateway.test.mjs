// End-to-end: a real ENS client (ethers 6, CCIP-Read) on a real chain (anvil) resolves names served by our backend.
// ENSRegistry (@ensdomains/ens 0.6.2) and OffchainResolver (@ensdomains/offchain-resolver-contracts 0.2.1) come as
// compiled artifacts via `npm pack` (support/ens-contracts.mjs). `myapp.eth` gets an OffchainResolver whose gateway URL
// is our /ccip/{sender}/{data}.json and whose signer is our gateway key. A profile is claimed through
// POST /resolver/profile/address; ethers then resolves text/addr records through the contract's OffchainLookup.
// Needs: `dotnet build` (functions/Dm3.Host/bin/Debug/net10.0/Dm3.Host.dll) and Azurite (DM3_AZURITE_CONNECTION_STRING).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import {
  AbiCoder, Contract, ContractFactory, EnsPlugin, JsonRpcProvider, Network, Wallet, ZeroAddress, ZeroHash,
  dnsEncode, getBytes, hexlify, id, namehash, toUtf8Bytes,
} from 'ethers';
import { startAnvil } from './support/anvil.mjs';
import { loadEnsArtifacts } from './support/ens-contracts.mjs';
import { startBackend, testKeys } from './support/backend.mjs';
import { killAll } from './support/processes.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const { stringify } = require('@dm3-org/dm3-lib-shared');

const PARENT = 'myapp.eth';
const DS_NAME = `ds.${PARENT}`;
const abi = AbiCoder.defaultAbiCoder();

let anvil;
let backend;
let provider;
let registry;
let resolver;
let gatewaySigner;
let dsKeys;

function publicKeyOf(privateRaw, crv) {
  // Node derives the public half from `d` when importing a private JWK; the `x` we pass is ignored only if we omit it.
  const d = Buffer.from(privateRaw).toString('base64url');
  const key = createPrivateKey({ key: { kty: 'OKP', crv, d, x: Buffer.alloc(32).toString('base64url') }, format: 'jwk' });
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x, 'base64url').toString('base64');
}

before(async () => {
  try {
    const artifacts = loadEnsArtifacts();
    anvil = await startAnvil();
    const deployer = await anvil.provider.getSigner(0);
    const ownerAddress = await deployer.getAddress();

    registry = await new ContractFactory(artifacts.ENSRegistry.abi, artifacts.ENSRegistry.bytecode, deployer).deploy();
    await registry.waitForDeployment();
    const registryAddress = await registry.getAddress();
    await (await registry.setSubnodeOwner(ZeroHash, id('eth'), ownerAddress)).wait();
    await (await registry.setSubnodeOwner(namehash('eth'), id('myapp'), ownerAddress)).wait();

    gatewaySigner = Wallet.createRandom();
    const backendPort = await import('./support/processes.mjs').then((m) => m.freePort());
    const gatewayUrl = `http://127.0.0.1:${backendPort}/ccip/{sender}/{data}.json`;
    resolver = await new ContractFactory(artifacts.OffchainResolver.abi, artifacts.OffchainResolver.bytecode, deployer)
      .deploy(gatewayUrl, [gatewaySigner.address]);
    await resolver.waitForDeployment();
    const resolverAddress = await resolver.getAddress();
    await (await registry.setResolver(namehash(PARENT), resolverAddress)).wait();
    assert.equal(await registry.owner(namehash(PARENT)), ownerAddress);

    const keys = testKeys();
    dsKeys = keys;
    backend = await startBackend({
      ...keys,
      ASPNETCORE_URLS: `http://127.0.0.1:${backendPort}`,
      PublicBaseUrl: `http://127.0.0.1:${backendPort}`,
      Gateway__SignerPrivateKey: gatewaySigner.privateKey,
      Gateway__Resolvers__0__Address: resolverAddress,
      Gateway__Resolvers__0__Family: 'ens',
      Apps__0__ParentName: PARENT,
    });

    const network = new Network('anvil', anvil.chainId);
    network.attachPlugin(new EnsPlugin(registryAddress, Number(anvil.chainId)));
    provider = new JsonRpcProvider(anvil.url, network, { staticNetwork: network });
  } catch (error) {
    killAll();
    throw error;
  }
});

after(async () => {
  provider?.destroy();
  await backend?.stop();
  anvil?.stop();
  killAll();
});

/** A SignedUserProfile made the way dm3 clients make it (creation message of dm3-lib-profile, EIP-191 by the wallet). */
async function signedProfileFor(wallet) {
  const profile = {
    publicEncryptionKey: randomBytes(32).toString('base64'),
    publicSigningKey: randomBytes(32).toString('base64'),
    deliveryServices: [DS_NAME],
  };
  const message = profileLib.getProfileCreationMessage(stringify(profile), wallet.address);
  return { profile, signature: await wallet.signMessage(message) };
}

async function claim(wallet, signedUserProfile) {
  const response = await fetch(`${backend.url}/resolver/profile/address`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signedUserProfile, address: wallet.address, subdomain: `addr.${PARENT}` }),
  });
  return response;
}

test('the backend reports the configured gateway signer on /health', () => {
  assert.equal(backend.health.gatewaySigner?.address, gatewaySigner.address);
});

test('ethers resolves the claimed profile and address of <addr>.addr.myapp.eth through CCIP-Read', async () => {
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet);
  const response = await claim(wallet, signed);
  assert.equal(response.status, 201, await response.text());

  const name = `${wallet.address.toLowerCase()}.addr.${PARENT}`;
  const ensResolver = await provider.getResolver(name);
  assert.ok(ensResolver, 'no resolver found for the name (wildcard through myapp.eth)');
  assert.equal(ensResolver.address, await resolver.getAddress());

  const record = await ensResolver.getText('network.dm3.profile');
  assert.equal(record, `data:application/json,${stringify(signed)}`);
  const resolvedProfile = JSON.parse(record.slice('data:application/json,'.length));
  assert.deepEqual(resolvedProfile, signed);
  assert.equal(profileLib.checkUserProfileWithAddress(resolvedProfile, wallet.address), true);
  assert.equal(await ensResolver.getAddress(), wallet.address);
  assert.equal(await provider.resolveName(name), wallet.address);
});

test('ethers resolves network.dm3.deliveryService of ds.myapp.eth to the configured delivery service', async () => {
  const ensResolver = await provider.getResolver(DS_NAME);
  const record = await ensResolver.getText('network.dm3.deliveryService');
  const expected = {
    publicEncryptionKey: publicKeyOf(Buffer.from(dsKeys.DeliveryService__EncryptionPrivateKey, 'base64'), 'X25519'),
    publicSigningKey: publicKeyOf(Buffer.from(dsKeys.DeliveryService__SigningPrivateKey, 'base64'), 'Ed25519'),
    url: backend.url,
  };
  assert.equal(record, `data:application/json,${stringify(expected)}`);
});

test('an unclaimed name resolves to the zero values', async () => {
  const name = `${Wallet.createRandom().address.toLowerCase()}.addr.${PARENT}`;
  const ensResolver = await provider.getResolver(name);
  assert.equal(await ensResolver.getText('network.dm3.profile'), '');
  assert.equal(await ensResolver.getAddress(), null);
  assert.equal(await provider.resolveName(name), null);
});

test('the contract rejects an expired answer and a tampered answer', async () => {
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet);
  assert.equal((await claim(wallet, signed)).status, 201);
  const name = `${wallet.address.toLowerCase()}.addr.${PARENT}`;
  const inner = new Contract(ZeroAddress, ['function text(bytes32,string)']).interface
    .encodeFunctionData('text', [namehash(name), 'network.dm3.profile']);
  const callData = resolver.interface.encodeFunctionData('resolve', [dnsEncode(name), inner]);
  // The resolver's own OffchainLookup carries exactly this calldata (resolve(name,data) of IResolverService).
  const resolverAddress = (await resolver.getAddress()).toLowerCase();
  const answer = await fetch(`${backend.url}/ccip/${resolverAddress}/${callData}.json`);
  assert.equal(answer.status, 200);
  const { data } = await answer.json();

  const result = await resolver.resolveWithProof(data, callData);
  const [text] = abi.decode(['string'], result);
  assert.equal(text, `data:application/json,${stringify(signed)}`);

  const [res, expires, sig] = abi.decode(['bytes', 'uint64', 'bytes'], data);
  const tamperedResult = getBytes(res);
  tamperedResult[tamperedResult.length - 1] ^= 0x01;
  const tampered = abi.encode(['bytes', 'uint64', 'bytes'], [tamperedResult, expires, sig]);
  await assert.rejects(resolver.resolveWithProof(tampered, callData), /Invalid sigature|revert/i);
  const laterExpiry = abi.encode(['bytes', 'uint64', 'bytes'], [res, expires + 3600n, sig]);
  await assert.rejects(resolver.resolveWithProof(laterExpiry, callData), /Invalid sigature|revert/i);

  const block = await anvil.provider.getBlock('latest');
  await anvil.rpc('evm_increaseTime', [Number(expires - BigInt(block.timestamp)) + 1]);
  await anvil.rpc('evm_mine', []);
  await assert.rejects(resolver.resolveWithProof(data, callData), /Signature expired/);
});
