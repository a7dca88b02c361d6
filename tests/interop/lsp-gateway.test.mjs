// End-to-end for the linked-profile API on a real chain: an owner (ethers wallet) opens an owner session with the
// component's EIP-4361 proof, registers an LSP (origin "signature", binding signed by the LSP wallet), and ethers 6
// resolves the LSP name <A_L>.addr.myapp.eth through the ENS OffchainResolver on anvil (CCIP-Read) to its profile.
// A main profile claimed here signs a link attestation; after PUT /lsp/v1/link-records the name's network.dm3.link
// resolves to it, after DELETE to "". Needs `dotnet build` and Azurite (DM3_AZURITE_CONNECTION_STRING), like ens-gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContractFactory, EnsPlugin, JsonRpcProvider, Network, Wallet, ZeroHash, id, namehash } from 'ethers';
import { startAnvil } from './support/anvil.mjs';
import { loadEnsArtifacts } from './support/ens-contracts.mjs';
import { startBackend, testKeys } from './support/backend.mjs';
import { freePort, killAll } from './support/processes.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const { stringify } = require('@dm3-org/dm3-lib-shared');

const PARENT = 'myapp.eth';
const DOMAIN = 'app.example.com';
const URI = `https://${DOMAIN}/messaging`;

let anvil;
let backend;
let provider;

before(async () => {
  try {
    const artifacts = loadEnsArtifacts();
    anvil = await startAnvil();
    const deployer = await anvil.provider.getSigner(0);
    const ownerAddress = await deployer.getAddress();
    const registry = await new ContractFactory(artifacts.ENSRegistry.abi, artifacts.ENSRegistry.bytecode, deployer).deploy();
    await registry.waitForDeployment();
    await (await registry.setSubnodeOwner(ZeroHash, id('eth'), ownerAddress)).wait();
    await (await registry.setSubnodeOwner(namehash('eth'), id('myapp'), ownerAddress)).wait();
    const gatewaySigner = Wallet.createRandom();
    const port = await freePort();
    const resolver = await new ContractFactory(artifacts.OffchainResolver.abi, artifacts.OffchainResolver.bytecode, deployer)
      .deploy(`http://127.0.0.1:${port}/ccip/{sender}/{data}.json`, [gatewaySigner.address]);
    await resolver.waitForDeployment();
    await (await registry.setResolver(namehash(PARENT), await resolver.getAddress())).wait();

    backend = await startBackend({
      ...testKeys(),
      ASPNETCORE_URLS: `http://127.0.0.1:${port}`,
      Gateway__SignerPrivateKey: gatewaySigner.privateKey,
      Gateway__Resolvers__0__Address: await resolver.getAddress(),
      Gateway__Resolvers__0__Family: 'ens',
      // No answer cache: the test reads the same record before and after a write.
      Gateway__CacheMaxEntries: '0',
      // Dev keys only for the local escrow wrapping key (every other key is passed above).
      DevKeys__Enabled: 'true',
      DevKeys__Path: path.join(mkdtempSync(path.join(tmpdir(), 'dm3-lsp-e2e-')), 'dev-keys.json'),
      Apps__0__ParentName: PARENT,
      Apps__0__Domains__0__Host: DOMAIN,
      Apps__0__Domains__0__Scopes__0: 'query',
      Apps__0__Domains__0__Scopes__1: 'register',
      Apps__0__Domains__0__Scopes__2: 'escrow',
      Apps__0__Domains__0__Scopes__3: 'delete',
    });
    const network = new Network('anvil', anvil.chainId);
    network.attachPlugin(new EnsPlugin(await registry.getAddress(), Number(anvil.chainId)));
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

const seconds = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function post(path, body, token, method = 'POST') {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${backend.url}${path}`, { method, headers, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function nonce(purpose) {
  const { status, body } = await post('/lsp/v1/nonces', { app: PARENT, purpose });
  assert.equal(status, 201);
  return body.nonce;
}

function siwe(address, statement, serverNonce, resources) {
  const now = new Date();
  return `${DOMAIN} wants you to sign in with your Ethereum account:\n${address}\n\n${statement}\n\nURI: ${URI}\nVersion: 1\nChain ID: 1\n` +
    `Nonce: ${serverNonce}\nIssued At: ${seconds(now)}\nExpiration Time: ${seconds(new Date(now.getTime() + 300_000))}\nResources:\n` +
    resources.map((r) => `- ${r}`).join('\n');
}

async function signedProfile(wallet, signingPublicKey) {
  const profile = { publicEncryptionKey: randomBytes(32).toString('base64'), publicSigningKey: signingPublicKey, deliveryServices: [`ds.${PARENT}`] };
  return { profile, signature: await wallet.signMessage(profileLib.getProfileCreationMessage(stringify(profile), wallet.address)) };
}

test('a registered LSP resolves through CCIP-Read; its link record resolves after PUT and is empty after DELETE', async () => {
  const owner = Wallet.createRandom();
  const ownerText = siwe(owner.address, `Allow this app to manage your dm3 app profile for ${PARENT}.`, await nonce('owner'),
    [`urn:dm3:lsp:app:${PARENT}`, 'urn:dm3:lsp:scope:query', 'urn:dm3:lsp:scope:register']);
  const session = await post('/lsp/v1/sessions', { message: ownerText, signature: await owner.signMessage(ownerText) });
  assert.equal(session.status, 201, JSON.stringify(session.body));

  const lsp = Wallet.createRandom();
  const lspName = `${lsp.address.toLowerCase()}.addr.${PARENT}`;
  const lspProfile = await signedProfile(lsp, randomBytes(32).toString('base64'));
  const binding = `dm3 app profile binding v1\nApp: ${PARENT}\nProfile: ${lspName}\nOwner: ${owner.address}\nSession: ${session.body.sessionId}`;
  const registered = await post('/lsp/v1/profiles', {
    lspName, signedUserProfile: lspProfile, origin: 'signature', binding: { signature: await lsp.signMessage(binding) },
  }, session.body.token);
  assert.equal(registered.status, 201, JSON.stringify(registered.body));

  const ensResolver = await provider.getResolver(lspName);
  assert.equal(await ensResolver.getText('network.dm3.profile'), `data:application/json,${stringify(lspProfile)}`);
  assert.equal(await ensResolver.getAddress(), lsp.address);
  assert.equal(await ensResolver.getText('network.dm3.link'), '');

  // The main profile: claimed here, with an Ed25519 key this test holds.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const mainPublic = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64');
  const mainWallet = Wallet.createRandom();
  const mainProfile = await signedProfile(mainWallet, mainPublic);
  const claim = await post('/resolver/profile/address', { signedUserProfile: mainProfile, address: mainWallet.address, subdomain: `addr.${PARENT}` });
  assert.equal(claim.status, 201);
  const issuedAt = Math.floor(Date.now() / 1000);
  const unsigned = {
    type: 'dm3.link.attestation', version: 1, mainProfile: `${mainWallet.address.toLowerCase()}.addr.${PARENT}`, linkedProfile: lspName,
    linkedProfileHash: `0x${createHash('sha256').update(stringify(lspProfile)).digest('hex')}`, issuedAt, expiresAt: issuedAt + 180 * 86400,
  };
  const hashText = `0x${createHash('sha256').update(stringify(unsigned)).digest('hex')}`;
  const attestation = { ...unsigned, signature: edSign(null, Buffer.from(hashText, 'utf8'), privateKey).toString('base64') };
  const publishText = siwe(lsp.address, `Publish the link record of this dm3 app profile for ${PARENT}.`, await nonce('publish-link'),
    [`urn:dm3:lsp:app:${PARENT}`, 'urn:dm3:lsp:scope:publish-link', `urn:dm3:lsp:profile:${lspName}`]);
  const published = await post(`/lsp/v1/link-records/${lspName}`,
    { attestation, proof: { message: publishText, signature: await lsp.signMessage(publishText) } }, undefined, 'PUT');
  assert.equal(published.status, 200, JSON.stringify(published.body));
  assert.equal(await ensResolver.getText('network.dm3.link'), `data:application/json,${stringify(attestation)}`);

  const unpublishText = siwe(lsp.address, `Remove the link record of this dm3 app profile for ${PARENT}.`, await nonce('unpublish-link'),
    [`urn:dm3:lsp:app:${PARENT}`, 'urn:dm3:lsp:scope:unpublish-link', `urn:dm3:lsp:profile:${lspName}`]);
  const removed = await post(`/lsp/v1/link-records/${lspName}`,
    { proof: { message: unpublishText, signature: await lsp.signMessage(unpublishText) } }, undefined, 'DELETE');
  assert.equal(removed.status, 204);
  assert.equal(await ensResolver.getText('network.dm3.link'), '');
});
