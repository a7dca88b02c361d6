// End-to-end: our resolver (`dm3 resolve NAME --json`, functions/Dm3.Cli over Dm3.Backend/Resolution) resolves names on
// a real chain (anvil) with real ENS contracts: ENSRegistry (@ensdomains/ens 0.6.2), PublicResolver
// (@ensdomains/resolver 0.3.1), OffchainResolver (@ensdomains/offchain-resolver-contracts 0.2.1) behind our own
// backend's gateway, and a test resolver (support/contracts/TestCcipResolver.sol, compiled with solc-js) with several
// gateway URLs served by a scripted gateway in this file (500, 404, redirect loops, POST, nested lookups).
// Needs: `dotnet build` (Dm3.App and Dm3.Cli) and Azurite (DM3_AZURITE_CONNECTION_STRING) for the backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  AbiCoder, ContractFactory, Interface, Wallet, ZeroAddress, ZeroHash, dnsEncode, getAddress, getBytes, id, keccak256,
  namehash, solidityPacked,
} from 'ethers';
import { startAnvil } from './support/anvil.mjs';
import { loadEnsArtifacts, loadPublicResolverArtifact } from './support/ens-contracts.mjs';
import { startBackend, testKeys } from './support/backend.mjs';
import { freePort, killAll } from './support/processes.mjs';
import { ROOT } from './support/paths.mjs';
import { compile } from './support/solidity.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const { stringify } = require('@dm3-org/dm3-lib-shared');

const abi = AbiCoder.defaultAbiCoder();
const CLI = process.env.DM3_CLI_DLL ?? path.join(ROOT, 'functions', 'Dm3.Cli', 'bin', 'Debug', 'net10.0', 'dm3.dll');
const records = new Interface(['function text(bytes32 node, string key)', 'function addr(bytes32 node)', 'function resolve(bytes name, bytes data)']);

let anvil;
let backend;
let deployer;
let owner;
let registry;
let publicResolver;
let gateway;
let gatewaySigner;
let artifacts;
let testResolverArtifact;

/** The scripted gateway: name → { texts, addr } answered and signed like OffchainResolver expects; hits counted per route. */
function startScriptedGateway(port) {
  const answers = new Map();
  const hits = new Map();
  const files = new Map();
  const hit = (key) => hits.set(key, (hits.get(key) ?? 0) + 1);

  async function answer(sender, callData) {
    const [dnsName, inner] = records.decodeFunctionData('resolve', callData);
    const name = decodeDns(getBytes(dnsName));
    const entry = answers.get(name) ?? { texts: {}, addr: ZeroAddress };
    const selector = inner.slice(0, 10);
    let result;
    if (selector === records.getFunction('text').selector) {
      const [, key] = records.decodeFunctionData('text', inner);
      result = abi.encode(['string'], [entry.texts[key] ?? '']);
    } else {
      result = abi.encode(['address'], [entry.addr]);
    }
    const expires = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const digest = keccak256(solidityPacked(['bytes2', 'address', 'uint64', 'bytes32', 'bytes32'],
      ['0x1900', sender, expires, keccak256(callData), keccak256(result)]));
    const signature = gatewaySigner.signingKey.sign(digest).serialized;
    return abi.encode(['bytes', 'uint64', 'bytes'], [result, expires, signature]);
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const [, mode, ...rest] = url.pathname.split('/');
    hit(mode);
    try {
      if (mode === 'files') {
        const body = files.get(rest.join('/'));
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
        return;
      }
      if (mode === 'fail500') { res.writeHead(500).end('{"message":"down"}'); return; }
      if (mode === 'notfound') { res.writeHead(404).end('{"message":"unknown"}'); return; }
      if (mode === 'loop') { res.writeHead(302, { location: url.pathname }).end(); return; }
      if (mode === 'offhost') { res.writeHead(302, { location: `http://localhost:${port}/ok/${rest.join('/')}` }).end(); return; }
      let sender;
      let data;
      if (req.method === 'POST') {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        ({ sender, data } = JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } else {
        [sender, data] = [rest[0], rest[1].replace(/\.json$/, '')];
      }
      const body = JSON.stringify({ data: await answer(getAddress(sender), data) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch (error) {
      res.writeHead(500).end(JSON.stringify({ message: String(error) }));
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${port}`,
    answers,
    files,
    hits: (mode) => hits.get(mode) ?? 0,
    close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(done); }),
  })));
}

function decodeDns(bytes) {
  const labels = [];
  for (let i = 0; bytes[i] !== 0; i += bytes[i] + 1) labels.push(Buffer.from(bytes.slice(i + 1, i + 1 + bytes[i])).toString('utf8'));
  return labels.join('.');
}

/** Runs `dm3 resolve NAME --json` against the chain; returns { code, out }. */
function resolve(name, { allowPrivate = true } = {}) {
  const args = [CLI, 'resolve', name, '--json', '--rpc', anvil.url, '--ens-registry', registry.target, '--allow-http'];
  if (allowPrivate) args.push('--allow-private');
  return new Promise((done, fail) => {
    execFile('dotnet', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') { fail(error); return; }
      try {
        done({ code: error ? error.code : 0, out: JSON.parse(stdout) });
      } catch {
        fail(new Error(`dm3 resolve printed no JSON (exit ${error?.code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

async function signedProfileFor(wallet, deliveryServices = ['ds.plain.eth']) {
  const profile = {
    publicEncryptionKey: randomBytes(32).toString('base64'),
    publicSigningKey: randomBytes(32).toString('base64'),
    deliveryServices,
  };
  const message = profileLib.getProfileCreationMessage(stringify(profile), wallet.address);
  return { profile, signature: await wallet.signMessage(message) };
}

async function ownName(label) {
  await (await registry.setSubnodeOwner(namehash('eth'), id(label), owner)).wait();
  return namehash(`${label}.eth`);
}

async function plainName(label, texts, address) {
  const node = await ownName(label);
  await (await registry.setResolver(node, publicResolver.target)).wait();
  for (const [key, value] of Object.entries(texts)) await (await publicResolver.setText(node, key, value)).wait();
  if (address) await (await publicResolver['setAddr(bytes32,address)'](node, address)).wait();
}

/** A name on a TestCcipResolver with the given URL templates; the scripted gateway answers with a fresh profile. */
async function ccipName(label, urls, { nest = 0, lookupSender = ZeroAddress } = {}) {
  const resolver = await new ContractFactory(testResolverArtifact.abi, testResolverArtifact.bytecode, deployer)
    .deploy(urls, gatewaySigner.address, nest, lookupSender);
  await resolver.waitForDeployment();
  const node = await ownName(label);
  await (await registry.setResolver(node, resolver.target)).wait();
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet);
  gateway.answers.set(`${label}.eth`, { texts: { 'network.dm3.profile': `data:application/json,${stringify(signed)}` }, addr: wallet.address });
  return { name: `${label}.eth`, wallet, signed };
}

before(async () => {
  try {
    artifacts = { ...loadEnsArtifacts(), PublicResolver: loadPublicResolverArtifact() };
    testResolverArtifact = compile('TestCcipResolver.sol', 'TestCcipResolver');
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run dotnet build first`);
    anvil = await startAnvil();
    deployer = await anvil.provider.getSigner(0);
    owner = await deployer.getAddress();
    registry = await new ContractFactory(artifacts.ENSRegistry.abi, artifacts.ENSRegistry.bytecode, deployer).deploy();
    await registry.waitForDeployment();
    await (await registry.setSubnodeOwner(ZeroHash, id('eth'), owner)).wait();
    publicResolver = await new ContractFactory(artifacts.PublicResolver.abi, artifacts.PublicResolver.bytecode, deployer).deploy(registry.target);
    await publicResolver.waitForDeployment();

    gatewaySigner = Wallet.createRandom();
    gateway = await startScriptedGateway(await freePort());

    // The delivery service every test profile names: a PublicResolver record in the base64 data: form.
    const dsProfile = { publicEncryptionKey: randomBytes(32).toString('base64'), publicSigningKey: randomBytes(32).toString('base64'), url: 'https://ds.example' };
    const dsNode = await (async () => {
      await (await registry.setSubnodeOwner(namehash('eth'), id('plain'), owner)).wait();
      await (await registry.setSubnodeOwner(namehash('plain.eth'), id('ds'), owner)).wait();
      return namehash('ds.plain.eth');
    })();
    await (await registry.setResolver(dsNode, publicResolver.target)).wait();
    await (await publicResolver.setText(dsNode, 'network.dm3.deliveryService',
      `data:application/json;base64,${Buffer.from(stringify(dsProfile)).toString('base64')}`)).wait();
  } catch (error) {
    killAll();
    throw error;
  }
});

after(async () => {
  await gateway?.close();
  await backend?.stop();
  anvil?.stop();
  killAll();
});

test('(a) a name on PublicResolver with a data: profile resolves with its address, verified profile and delivery service', async () => {
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet);
  const node = namehash('plain.eth');
  await (await registry.setResolver(node, publicResolver.target)).wait();
  await (await publicResolver.setText(node, 'network.dm3.profile', `data:application/json,${stringify(signed)}`)).wait();
  await (await publicResolver['setAddr(bytes32,address)'](node, wallet.address)).wait();

  const { code, out } = await resolve('Plain.ETH');
  assert.equal(code, 0, JSON.stringify(out));
  assert.equal(out.status, 'Resolved');
  assert.equal(out.name, 'plain.eth');
  assert.equal(out.address, wallet.address);
  assert.deepEqual(out.profile, signed);
  assert.equal(out.records['network.dm3.profile'], `data:application/json,${stringify(signed)}`);
  assert.equal(out.deliveryServices.length, 1);
  assert.equal(out.deliveryServices[0].name, 'ds.plain.eth');
  assert.equal(out.deliveryServices[0].profile.url, 'https://ds.example');
});

test('(a) a profile signed by another wallet than the address record is rejected', async () => {
  const signer = Wallet.createRandom();
  const signed = await signedProfileFor(signer);
  await plainName('impostor', { 'network.dm3.profile': `data:application/json,${stringify(signed)}` }, Wallet.createRandom().address);
  const { code, out } = await resolve('impostor.eth');
  assert.equal(code, 1);
  assert.equal(out.status, 'Rejected');
  assert.equal(out.error.code, 'resolution.bad_signature');
  assert.equal(out.profile, null);
});

test('(b) a wildcard name behind our own gateway (OffchainResolver + backend) resolves, with its delivery service', async () => {
  const backendPort = await freePort();
  const offchain = await new ContractFactory(artifacts.OffchainResolver.abi, artifacts.OffchainResolver.bytecode, deployer)
    .deploy(`http://127.0.0.1:${backendPort}/ccip/{sender}/{data}.json`, [gatewaySigner.address]);
  await offchain.waitForDeployment();
  await (await registry.setSubnodeOwner(namehash('eth'), id('myapp'), owner)).wait();
  await (await registry.setResolver(namehash('myapp.eth'), offchain.target)).wait();
  backend = await startBackend({
    ...testKeys(),
    ASPNETCORE_URLS: `http://127.0.0.1:${backendPort}`,
    PublicBaseUrl: `http://127.0.0.1:${backendPort}`,
    Gateway__SignerPrivateKey: gatewaySigner.privateKey,
    Gateway__Resolvers__0__Address: offchain.target,
    Gateway__Resolvers__0__Family: 'ens',
    Apps__0__ParentName: 'myapp.eth',
  });
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet, ['ds.myapp.eth']);
  const claim = await fetch(`${backend.url}/resolver/profile/address`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signedUserProfile: signed, address: wallet.address, subdomain: 'addr.myapp.eth' }),
  });
  assert.equal(claim.status, 201, await claim.text());

  const name = `${wallet.address.toLowerCase()}.addr.myapp.eth`;
  const { code, out } = await resolve(name);
  assert.equal(code, 0, JSON.stringify(out));
  assert.equal(out.status, 'Resolved');
  assert.equal(out.address, wallet.address);
  assert.deepEqual(out.profile, signed);
  assert.equal(out.deliveryServices[0].name, 'ds.myapp.eth');
  assert.equal(out.deliveryServices[0].profile.url, backend.url);

  const unclaimed = await resolve(`${Wallet.createRandom().address.toLowerCase()}.addr.myapp.eth`);
  assert.equal(unclaimed.code, 0);
  assert.equal(unclaimed.out.status, 'NotFound');
  assert.equal(unclaimed.out.reason.code, 'resolution.no_profile');
});

test('(c) an http(s) profile record resolves when dm3Hash matches and is rejected when it does not', async () => {
  const wallet = Wallet.createRandom();
  const signed = await signedProfileFor(wallet);
  const json = JSON.stringify(signed, null, 2); // served non-canonical: the hash is over the canonical form
  gateway.files.set('profile.json', json);
  const hash = `0x${createHash('sha256').update(stringify(signed)).digest('hex')}`;
  const wrong = `0x${createHash('sha256').update('something else').digest('hex')}`;
  await plainName('hashgood', { 'network.dm3.profile': `${gateway.url}/files/profile.json?dm3Hash=${hash}` }, wallet.address);
  await plainName('hashbad', { 'network.dm3.profile': `${gateway.url}/files/profile.json?dm3Hash=${wrong}` }, wallet.address);

  const good = await resolve('hashgood.eth');
  assert.equal(good.code, 0, JSON.stringify(good.out));
  assert.deepEqual(good.out.profile, signed);
  assert.equal(good.out.address, wallet.address);

  const bad = await resolve('hashbad.eth');
  assert.equal(bad.code, 1);
  assert.equal(bad.out.status, 'Rejected');
  assert.equal(bad.out.error.code, 'record.hash_mismatch');
  assert.equal(bad.out.profile, null);
});

test('(d) a name without a resolver is not found (exit 0, profile null)', async () => {
  await ownName('noresolver');
  const { code, out } = await resolve('noresolver.eth');
  assert.equal(code, 0);
  assert.equal(out.status, 'NotFound');
  assert.equal(out.reason.code, 'ens.no_resolver');
  assert.equal(out.profile, null);
  assert.equal(out.address, null);
});

test('(e) a gateway answering 500 is skipped for the next URL (POST form), which answers 200', async () => {
  const { name, wallet, signed } = await ccipName('failover', [`${gateway.url}/fail500/{sender}/{data}.json`, `${gateway.url}/okpost`]);
  const before500 = gateway.hits('fail500');
  const beforePost = gateway.hits('okpost');
  const { code, out } = await resolve(name);
  assert.equal(code, 0, JSON.stringify(out));
  assert.equal(out.address, wallet.address);
  assert.deepEqual(out.profile, signed);
  assert.equal(gateway.hits('fail500') - before500, 2, 'text and addr each tried the failing URL first');
  assert.equal(gateway.hits('okpost') - beforePost, 2);
});

test('(f) a gateway answering 404 stops the lookup: the next URL is not asked', async () => {
  const { name } = await ccipName('stop404', [`${gateway.url}/notfound/{sender}/{data}.json`, `${gateway.url}/ok/{sender}/{data}.json`]);
  const beforeOk = gateway.hits('ok');
  const { code, out } = await resolve(name);
  assert.equal(code, 1);
  assert.equal(out.status, 'Rejected');
  assert.equal(out.error.code, 'ccip.gateway_rejected');
  assert.equal(gateway.hits('ok'), beforeOk);
});

test('(g) a redirect loop is bounded, and a redirect to another host is refused', async () => {
  const loop = await ccipName('redirectloop', [`${gateway.url}/loop/{sender}/{data}.json`]);
  const beforeLoop = gateway.hits('loop');
  const looped = await resolve(loop.name);
  assert.equal(looped.code, 1);
  assert.equal(looped.out.error.code, 'ccip.gateway_refused');
  assert.match(looped.out.error.message, /redirects/);
  assert.equal(gateway.hits('loop') - beforeLoop, 4, 'one request and three redirects, then refused');

  const offhost = await ccipName('redirectoffhost', [`${gateway.url}/offhost/{sender}/{data}.json`]);
  const beforeOk = gateway.hits('ok');
  const moved = await resolve(offhost.name);
  assert.equal(moved.code, 1);
  assert.match(moved.out.error.message, /another host/);
  assert.equal(gateway.hits('ok'), beforeOk);
});

test('(h) gateway URLs on link-local and private addresses are refused by the outbound policy', async () => {
  const { name } = await ccipName('metadata', ['http://169.254.169.254/latest/{sender}/{data}.json', 'http://10.0.0.1/{sender}/{data}.json']);
  const { code, out } = await resolve(name, { allowPrivate: false });
  assert.equal(code, 1);
  assert.equal(out.status, 'Rejected');
  assert.equal(out.error.code, 'ccip.gateway_refused');
  assert.match(out.error.message, /private address/);

  const linkLocalOnly = await ccipName('metadataonly', ['http://169.254.169.254/latest/{sender}/{data}.json']);
  // Link-local stays refused even where loopback and private networks are allowed (as in these tests).
  const refused = await resolve(linkLocalOnly.name, { allowPrivate: true });
  assert.equal(refused.code, 1);
  assert.match(refused.out.error.message, /link-local address/);
});

test('EIP-3668: four nested lookups are followed, a fifth is refused; a foreign sender is refused', async () => {
  const four = await ccipName('nestfour', [`${gateway.url}/ok/{sender}/{data}.json`], { nest: 4 });
  const ok = await resolve(four.name);
  assert.equal(ok.code, 0, JSON.stringify(ok.out));
  assert.deepEqual(ok.out.profile, four.signed);

  const five = await ccipName('nestfive', [`${gateway.url}/ok/{sender}/{data}.json`], { nest: 5 });
  const tooDeep = await resolve(five.name);
  assert.equal(tooDeep.code, 1);
  assert.equal(tooDeep.out.error.code, 'ccip.too_many_lookups');

  const foreign = await ccipName('foreignsender', [`${gateway.url}/ok/{sender}/{data}.json`], { lookupSender: Wallet.createRandom().address });
  const mismatch = await resolve(foreign.name);
  assert.equal(mismatch.code, 1);
  assert.equal(mismatch.out.error.code, 'ccip.sender_mismatch');
});

test('ENSIP-15: a name without a normalised form is refused before any lookup', async () => {
  const { code, out } = await resolve('bad name.eth');
  assert.equal(code, 1);
  assert.equal(out.status, 'InvalidName');
  assert.equal(out.error.code, 'ens.normalize.disallowed_character');
});
