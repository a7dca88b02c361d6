// Outbox relay end to end (issue 11) on Azurite + anvil: backend A (myapp.eth) and backend B (main.eth) behind ENS
// OffchainResolvers on one chain (the Linked Profiles harness, support/lsp-env.mjs), both resolving foreign names through
// the real ENS registry. A linked profile on A sends a LINK envelope built with @dm3-org/dm3-lib-messaging (buildEnvelop)
// to a main profile on B through A's POST /outbox; GET /outbox/{id} reports it delivered to B's /rpc; B's inbox holds it
// once. The main profile answers through B's outbox the same way. Needs `dotnet build` of Dm3.Host and Dm3.Cli, Azurite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { startLspEnvironment, APP, MAIN_APP, DOMAIN, URI } from './support/lsp-env.mjs';
import { killAll, waitFor } from './support/processes.mjs';
import { dm3Keys, dsLogin, linkMessage } from './support/dm3-identity.mjs';

const require = createRequire(import.meta.url);
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const sodium = require('libsodium-wrappers');

let env;
const dir = mkdtempSync(path.join(tmpdir(), 'dm3-relay-'));
const keyfile = path.join(dir, 'keys.json');
const owner = Wallet.createRandom();
const s = {};

async function cli(...args) {
  const result = await env.cli([...args, '--json'], { keyfile });
  assert.equal(result.code, 0, `${args.slice(0, 2).join(' ')}: ${result.stdout} ${result.stderr}`);
  return result.json;
}
const identity = (alias) => JSON.parse(readFileSync(keyfile, 'utf8')).identities[alias];

async function call(method, url, { body, token } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, text, json };
}

/** Builds the envelope with dm3-lib-messaging for `to` (resolved through ENS by our CLI, DS profile included). */
async function envelopeFor(message, from, to) {
  const result = await env.cli(['resolve', to, '--json', '--allow-http', '--allow-private']);
  assert.equal(result.code, 0, `resolve ${to}: ${result.stdout} ${result.stderr}`);
  const resolved = result.json;
  const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, {
    from: { ensName: from.name, profile: JSON.parse(from.signedUserProfile).profile },
    to: { ensName: to, profile: resolved.profile.profile },
    deliverServiceProfile: resolved.deliveryServices[0].profile,
    keys: dm3Keys(from),
  });
  return encryptedEnvelop;
}

/** POST /outbox at the sender's backend, then GET /outbox/{id} until `delivered`; returns the final entry. */
async function relay(senderBackend, sender, to, envelope) {
  const token = await dsLogin(senderBackend.url, sender);
  const submitted = await call('POST', `${senderBackend.url}/outbox`, { token, body: { to, envelope } });
  assert.equal(submitted.status, 202, submitted.text);
  assert.equal(submitted.json.status, 'queued');
  const entry = await waitFor(`outbox ${submitted.json.id} delivered`, async () => {
    const status = await call('GET', `${senderBackend.url}/outbox/${submitted.json.id}`, { token });
    assert.equal(status.status, 200, status.text);
    assert.notEqual(status.json.status, 'failed', status.text);
    return status.json.status === 'delivered' ? status.json : undefined;
  }, 30_000, 100);
  return entry;
}

/**
 * The receiver's inbox at its own backend (challenge flow there), decrypted with its keys, once it is not empty: the
 * receiving DS accepted the envelope at /rpc and its queue pump writes the inbox row right after.
 */
async function inbox(backend, receiver) {
  const token = await dsLogin(backend.url, receiver);
  const page = await waitFor(`${receiver.name}'s inbox`, async () => {
    const answer = await call('GET', `${backend.url}/delivery/messages/incoming/${receiver.name}`, { token });
    assert.equal(answer.status, 200, answer.text);
    return answer.json.length > 0 ? answer : undefined;
  }, 20_000, 100);
  const keys = dm3Keys(receiver);
  return Promise.all(page.json.map(async (envelope) => ({
    envelope,
    message: JSON.parse(await cryptoLib.decryptAsymmetric(keys.encryptionKeyPair, JSON.parse(envelope.message))),
  })));
}

before(async () => {
  await sodium.ready;
  env = await startLspEnvironment();
  await cli('wallet', 'import', '--alias', 'owner', '--private-key', owner.privateKey);
  s.main = (await cli('profile', 'create', '--alias', 'main', '--backend', env.b.url, '--app', MAIN_APP, '--owner', 'owner')).name;
  s.lsp = (await cli('lsp', 'create', '--alias', 'lsp', '--backend', env.a.url, '--app', APP, '--owner-key', owner.privateKey,
    '--domain', DOMAIN, '--uri', URI, '--path', 'random')).lspName;
});

after(async () => {
  await env?.stop();
  killAll();
});

test('a dm3-lib LINK envelope goes A → B through A\'s outbox: delivered to B\'s /rpc, exactly once in B\'s inbox', async () => {
  const lsp = identity('lsp');
  assert.equal(lsp.name, s.lsp);
  const message = await linkMessage({
    lsp, main: s.main, owner, domain: DOMAIN, uri: URI, chainId: env.chain.chainId, nonce: randomBytes(16).toString('hex'),
  });
  const entry = await relay(env.a, lsp, s.main, await envelopeFor(message, lsp, s.main));
  assert.equal(entry.deliveredTo, `${env.b.url}/rpc`);

  const received = await inbox(env.b, identity('main'));
  assert.equal(received.length, 1, 'exactly one entry in B\'s inbox');
  const [{ envelope, message: got }] = received;
  assert.equal(got.metadata.type, 'LINK');
  assert.equal(got.metadata.from, s.lsp);
  assert.equal(got.metadata.link.linkMessage, message.metadata.link.linkMessage);
  assert.equal(await messagingLib.checkMessageSignature(got, dm3Keys(lsp).signingKeyPair.publicKey, s.lsp), true);
  assert.ok(envelope.postmark, 'B postmarked the relayed envelope');
});

test('the main profile answers B → A through B\'s outbox; exactly one entry in A\'s inbox', async () => {
  const main = identity('main');
  const text = `reply ${randomBytes(4).toString('hex')}`;
  const message = await messagingLib.createMessage(s.lsp, s.main, text, dm3Keys(main).signingKeyPair.privateKey);
  const entry = await relay(env.b, main, s.lsp, await envelopeFor(message, main, s.lsp));
  assert.equal(entry.deliveredTo, `${env.a.url}/rpc`);

  const received = await inbox(env.a, identity('lsp'));
  assert.equal(received.length, 1, 'exactly one entry in A\'s inbox');
  assert.equal(received[0].message.message, text);
  assert.equal(received[0].message.metadata.from, s.main);
  assert.equal(await messagingLib.checkMessageSignature(received[0].message, dm3Keys(main).signingKeyPair.publicKey, s.main), true);
});
