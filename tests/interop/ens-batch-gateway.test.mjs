// 2026 ENS clients against our gateway. viem (2.57.20, installed into .artifacts/npm-tools on first use) resolves our
// names through its client-side batch gateway (ENSIP-21: an OffchainLookup naming "x-batch-gateway:true", answered by
// viem calling our /ccip itself, GET and POST templates), with a test resolver (support/contracts/TestBatchResolver.sol)
// that verifies our signed answers on chain (anvil). CORS: /ccip answers browsers' preflights (ENSIP-22).
// ENSIP-23 (Universal Resolver): @ensdomains/ens-contracts, the only npm package with its compiled artifacts, is not
// served by the registry here, so that client is not exercised (README, issue 11).
// Needs: `dotnet build` (Dm3.App) and Azurite (DM3_AZURITE_CONNECTION_STRING).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { AbiCoder, ContractFactory, Interface, Wallet, dnsEncode, namehash } from 'ethers';
import { startAnvil } from './support/anvil.mjs';
import { startBackend, testKeys } from './support/backend.mjs';
import { freePort, killAll } from './support/processes.mjs';
import { compile, toolImport } from './support/solidity.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const { stringify } = require('@dm3-org/dm3-lib-shared');

const PARENT = 'myapp.eth';
const abi = AbiCoder.defaultAbiCoder();
const records = new Interface(['function text(bytes32 node, string key)', 'function addr(bytes32 node)']);
const resolveAbi = [{
  type: 'function', name: 'resolve', stateMutability: 'view',
  inputs: [{ type: 'bytes', name: 'name' }, { type: 'bytes', name: 'data' }], outputs: [{ type: 'bytes' }],
}];

let anvil;
let backend;
let viem;
let client;
let getResolver;
let postResolver;

before(async () => {
  try {
    viem = await toolImport('viem@2.57.20');
    const artifact = compile('TestBatchResolver.sol', 'TestBatchResolver');
    anvil = await startAnvil();
    const deployer = await anvil.provider.getSigner(0);
    const gatewaySigner = Wallet.createRandom();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const deploy = async (url) => {
      const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(url, gatewaySigner.address);
      await contract.waitForDeployment();
      return contract.target;
    };
    getResolver = await deploy(`${base}/ccip/{sender}/{data}.json`);
    postResolver = await deploy(`${base}/ccip`);
    backend = await startBackend({
      ...testKeys(),
      ASPNETCORE_URLS: base,
      PublicBaseUrl: base,
      Gateway__SignerPrivateKey: gatewaySigner.privateKey,
      Gateway__Resolvers__0__Address: getResolver,
      Gateway__Resolvers__0__Family: 'ens',
      Gateway__Resolvers__1__Address: postResolver,
      Gateway__Resolvers__1__Family: 'ens',
      Apps__0__ParentName: PARENT,
    });
    client = viem.createPublicClient({ transport: viem.http(anvil.url) });
  } catch (error) {
    killAll();
    throw error;
  }
});

after(async () => {
  await backend?.stop();
  anvil?.stop();
  killAll();
});

async function claimed() {
  const wallet = Wallet.createRandom();
  const profile = {
    publicEncryptionKey: randomBytes(32).toString('base64'),
    publicSigningKey: randomBytes(32).toString('base64'),
    deliveryServices: [`ds.${PARENT}`],
  };
  const signed = { profile, signature: await wallet.signMessage(profileLib.getProfileCreationMessage(stringify(profile), wallet.address)) };
  const response = await fetch(`${backend.url}/resolver/profile/address`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signedUserProfile: signed, address: wallet.address, subdomain: `addr.${PARENT}` }),
  });
  assert.equal(response.status, 201, await response.text());
  return { wallet, signed, name: `${wallet.address.toLowerCase()}.addr.${PARENT}` };
}

/** resolve(name, inner) through viem's CCIP-Read, which answers "x-batch-gateway:true" locally (ENSIP-21). */
async function viaViem(resolver, name, inner) {
  const result = await client.readContract({ address: resolver, abi: resolveAbi, functionName: 'resolve', args: [dnsEncode(name), inner] });
  return result;
}

test('viem resolves a claimed profile and address through its client-side batch gateway (GET template)', async () => {
  const { wallet, signed, name } = await claimed();
  const text = await viaViem(getResolver, name, records.encodeFunctionData('text', [namehash(name), 'network.dm3.profile']));
  assert.equal(abi.decode(['string'], text)[0], `data:application/json,${stringify(signed)}`);
  const addr = await viaViem(getResolver, name, records.encodeFunctionData('addr', [namehash(name)]));
  assert.equal(abi.decode(['address'], addr)[0], wallet.address);
});

test('viem resolves through the batch gateway with a POST template, including the delivery-service record', async () => {
  const { signed, name } = await claimed();
  const text = await viaViem(postResolver, name, records.encodeFunctionData('text', [namehash(name), 'network.dm3.profile']));
  assert.equal(abi.decode(['string'], text)[0], `data:application/json,${stringify(signed)}`);
  const ds = await viaViem(postResolver, `ds.${PARENT}`, records.encodeFunctionData('text', [namehash(`ds.${PARENT}`), 'network.dm3.deliveryService']));
  const record = abi.decode(['string'], ds)[0];
  assert.match(record, /^data:application\/json,/);
  assert.equal(JSON.parse(record.slice('data:application/json,'.length)).url, backend.url);
});

test('the contract refuses an answer for another name (the gateway signs the exact request)', async () => {
  const { name } = await claimed();
  const other = await claimed();
  // A request whose inner node does not match the DNS name is refused by our gateway (400): viem reports the batch failure.
  await assert.rejects(viaViem(getResolver, name, records.encodeFunctionData('text', [namehash(other.name), 'network.dm3.profile'])), /gateway failed|revert/i);
});

test('/ccip answers CORS preflights and cross-origin requests (ENSIP-22)', async () => {
  const preflight = await fetch(`${backend.url}/ccip`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.ok(preflight.status === 204 || preflight.status === 200, `preflight status ${preflight.status}`);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match((preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase(), /content-type|\*/);

  const getPreflight = await fetch(`${backend.url}/ccip/${getResolver.toLowerCase()}/0x.json`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(getPreflight.headers.get('access-control-allow-origin'), '*');
  const { name } = await claimed();
  const callData = new Interface(['function resolve(bytes,bytes)']).encodeFunctionData('resolve',
    [dnsEncode(name), records.encodeFunctionData('addr', [namehash(name)])]);
  const get = await fetch(`${backend.url}/ccip/${getResolver.toLowerCase()}/${callData}.json`, { headers: { origin: 'https://app.example' } });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('access-control-allow-origin'), '*');
});
