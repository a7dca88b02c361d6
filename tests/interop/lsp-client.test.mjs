// Linked Profiles end to end (issue 12) on Azurite + anvil: backend A (myapp.eth) and backend B (main.eth) behind ENS
// OffchainResolvers, every workflow of linked-profiles §13 and each recovery of §10 driven through the `dm3` CLI with
// --json (parsed here), the key-file rules, and interop with @dm3-org/dm3-lib-messaging 1.7.1: the library decrypts and
// verifies the LINK, LINK_RECOVER and LINK_ACCEPT envelopes our library sends, and a LINK built with the dm3 libraries
// is validated by our main-messenger side. Needs `dotnet build` of Dm3.App and Dm3.Cli, and Azurite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { startLspEnvironment, APP, MAIN_APP, DOMAIN, URI } from './support/lsp-env.mjs';
import { killAll, waitFor } from './support/processes.mjs';
import { dm3Keys, dsLogin } from './support/dm3-identity.mjs';

const require = createRequire(import.meta.url);
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const { stringify } = require('@dm3-org/dm3-lib-shared');
const sodium = require('libsodium-wrappers');

let env;
const dir = mkdtempSync(path.join(tmpdir(), 'dm3-lsp-cli-'));
const keyfile = (name) => path.join(dir, name, 'keys.json');
const alice = Wallet.createRandom();
const dave = Wallet.createRandom();
const s = {};

const run = async (args, file) => {
  const result = await env.cli([...args, '--json'], { keyfile: keyfile(file) });
  assert.equal(result.stdout.trim().split('\n').length, 1, `exactly one JSON object on stdout: ${result.stdout}`);
  assert.ok(result.json, `JSON on stdout for ${args.join(' ')}: ${result.stdout} ${result.stderr}`);
  return result;
};
const ok = async (args, file) => {
  const result = await run(args, file);
  assert.equal(result.code, 0, `${args.slice(0, 2).join(' ')} failed: ${JSON.stringify(result.json)} ${result.stderr}`);
  return result.json;
};
const component = (owner) => ['--backend', env.a.url, '--app', APP, '--owner-key', owner.privateKey, '--domain', DOMAIN, '--uri', URI];
const identity = (file, alias) => JSON.parse(readFileSync(keyfile(file), 'utf8')).identities[alias];
const noSecrets = (result, ...secrets) => {
  for (const secret of secrets.filter(Boolean)) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'a secret was printed');
  }
};

/** Logs in as `id` at `dsUrl` with the challenge flow and returns its envelopes without acknowledging them. */
async function peekInbox(dsUrl, id, expectedType) {
  const keys = dm3Keys(id);
  const token = await dsLogin(dsUrl, id);
  return waitFor(`${expectedType} in ${id.name}'s inbox`, async () => {
    const page = await (await fetch(`${dsUrl}/delivery/messages/incoming/${id.name}`, { headers: { authorization: `Bearer ${token}` } })).json();
    for (const envelope of page) {
      const message = JSON.parse(await cryptoLib.decryptAsymmetric(keys.encryptionKeyPair, JSON.parse(envelope.message)));
      if (message.metadata.type === expectedType) return { envelope, message };
    }
    return undefined;
  }, 20_000, 200);
}

async function resolve(name, ...more) {
  const result = await env.cli(['resolve', name, ...more, '--json', '--allow-http', '--allow-private']);
  assert.equal(result.code, 0, `resolve ${name}: ${result.stdout} ${result.stderr}`);
  return result.json;
}

before(async () => {
  await sodium.ready;
  env = await startLspEnvironment();
});

after(async () => {
  await env?.stop();
  killAll();
});

test('usage errors exit 2, operation failures exit 1 with {"error":{code,message}}', async () => {
  const usage = await env.cli(['lsp', 'create', '--json'], { keyfile: keyfile('alice') });
  assert.equal(usage.code, 2);
  const failed = await run(['links', '--alias', 'nobody'], 'alice');
  assert.equal(failed.code, 1);
  assert.equal(failed.json.error.code, 'unknown_alias');
  assert.equal(typeof failed.json.error.message, 'string');
});

test('wallet import and a main profile on backend B; the key file is 0600 and refused when group-readable', async () => {
  const imported = await ok(['wallet', 'import', '--alias', 'alice', '--private-key', alice.privateKey], 'alice');
  assert.deepEqual(imported, { alias: 'alice', address: alice.address });
  const r = await run(['profile', 'create', '--alias', 'main', '--backend', env.b.url, '--app', MAIN_APP, '--owner', 'alice'], 'alice');
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.equal(r.json.name, `${alice.address.toLowerCase()}.addr.${MAIN_APP}`);
  assert.equal(r.json.address, alice.address);
  s.main = r.json.name;
  assert.equal(statSync(keyfile('alice')).mode & 0o777, 0o600);
  noSecrets(r, identity('alice', 'main').profileSeed);

  chmodSync(keyfile('alice'), 0o640);
  const refused = await run(['links', '--alias', 'main'], 'alice');
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'keyfile_permissions');
  chmodSync(keyfile('alice'), 0o600);
});

test('§13.1 create by signature (owned, escrow), lsp query, and the published profile resolves through ENS', async () => {
  const r = await run(['lsp', 'create', '--alias', 'lsp', ...component(alice), '--path', 'signature'], 'alice');
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.equal(r.json.origin, 'signature');
  assert.equal(r.json.escrow, true);
  assert.match(r.json.lspName, new RegExp(`^0x[0-9a-f]{40}\\.addr\\.${APP.replace('.', '\\.')}$`));
  assert.equal(r.json.lspName, `${r.json.lspAddress.toLowerCase()}.addr.${APP}`);
  s.lsp = r.json;
  const lsp = identity('alice', 'lsp');
  noSecrets(r, lsp.walletPrivateKey, lsp.profileSeed, alice.privateKey);

  const query = await ok(['lsp', 'query', ...component(alice)], 'alice');
  assert.equal(query.profiles.length, 1);
  assert.equal(query.profiles[0].lspName, s.lsp.lspName);
  assert.equal(query.profiles[0].hasEscrow, true);
  assert.ok(!JSON.stringify(query).includes(lsp.walletPrivateKey));

  const resolved = await resolve(s.lsp.lspName);
  assert.equal(resolved.address, s.lsp.lspAddress);
  assert.equal(resolved.profile.profile.publicSigningKey, dm3Keys(lsp).signingKeyPair.publicKey);
});

test('§13.2 path (b): random keys; another wallet sees no LSP', async () => {
  const r = await ok(['lsp', 'create', '--alias', 'dlsp', ...component(dave), '--path', 'random'], 'dave');
  assert.equal(r.origin, 'random');
  assert.equal(r.escrow, true);
  s.dlsp = r;
  const other = await ok(['lsp', 'query', ...component(Wallet.createRandom())], 'other');
  assert.deepEqual(other, { profiles: [] });
});

test('§10.1 escrow and §10.2 re-derivation recover identical keys on new devices', async () => {
  const original = identity('alice', 'lsp');
  for (const via of ['escrow', 'signature']) {
    const r = await ok(['lsp', 'recover', '--alias', 'lsp', ...component(alice), '--via', via], `device-${via}`);
    assert.deepEqual(r, { alias: 'lsp', lspName: s.lsp.lspName, lspAddress: s.lsp.lspAddress, via });
    const recovered = identity(`device-${via}`, 'lsp');
    assert.equal(recovered.walletPrivateKey, original.walletPrivateKey);
    assert.equal(recovered.profileSeed, original.profileSeed);
  }
});

test('§13.3 link: LINK (decrypted and verified by dm3-lib-messaging), links, accept --public, LINK_ACCEPT, link publish, network.dm3.link', async () => {
  const sent = await ok(['link', '--lsp', 'lsp', '--main', s.main, '--owner', 'alice', '--domain', DOMAIN, '--uri', URI], 'alice');
  assert.equal(sent.state, 'sent');
  assert.equal(sent.lspName, s.lsp.lspName);
  assert.equal(sent.main, s.main);
  assert.match(sent.linkNonce, /^[0-9a-f]{32}$/);

  const lsp = identity('alice', 'lsp');
  const main = identity('alice', 'main');
  const link = await peekInbox(env.b.url, main, 'LINK');
  assert.equal(await messagingLib.checkMessageSignature(link.message, dm3Keys(lsp).signingKeyPair.publicKey, lsp.name), true);
  assert.equal(link.message.metadata.link.profileName, lsp.name);
  assert.equal(link.message.metadata.from, lsp.name);

  const view = await ok(['links', '--alias', 'main'], 'alice');
  assert.equal(view.pending.length, 1);
  const [request] = view.pending;
  assert.equal(request.type, 'LINK');
  assert.equal(request.profileName, s.lsp.lspName);
  assert.equal(request.owner, alice.address);
  assert.equal(request.sameWallet, true);
  assert.equal(request.id, createHash('sha256').update(link.message.metadata.link.linkMessage).digest('hex').slice(0, 16));

  const accepted = await ok(['links', 'accept', '--alias', 'main', '--id', request.id, '--public'], 'alice');
  assert.deepEqual(accepted, { accepted: request.id, type: 'LINK', attestation: true });
  const mainProfile = (await resolve(s.main)).profile.profile;
  const answer = await peekInbox(env.a.url, lsp, 'LINK_ACCEPT');
  assert.equal(await messagingLib.checkMessageSignature(answer.message, mainProfile.publicSigningKey, s.main), true);
  assert.equal(answer.message.metadata.link.linkMessage, link.message.metadata.link.linkMessage);

  const published = await ok(['link', 'publish', '--lsp', 'lsp', '--owner', 'alice', '--domain', DOMAIN, '--uri', URI], 'alice');
  assert.deepEqual(published, { published: s.lsp.lspName });
  const record = (await resolve(s.lsp.lspName, '--record', 'network.dm3.link')).records['network.dm3.link'];
  const attestation = JSON.parse(record.slice('data:application/json,'.length));
  assert.equal(attestation.mainProfile, s.main);
  assert.equal(attestation.linkedProfile, s.lsp.lspName);
  assert.equal(attestation.expiresAt - attestation.issuedAt, 180 * 86400);

  const after = await ok(['links', '--alias', 'main'], 'alice');
  assert.deepEqual(after.pending, []);
  assert.equal(after.linked[0].profileName, s.lsp.lspName);
  assert.equal(after.linked[0].owner, alice.address);
});

test('§13.4 / §10.3 recovery through the main profile: LINK_RECOVER (verified by dm3-lib-messaging) → LINK_ACCEPT with the keys', async () => {
  const waiting = await ok(['lsp', 'recover', '--alias', 'lsp', ...component(alice), '--via', 'main', '--main', s.main], 'fresh');
  assert.equal(waiting.state, 'waiting');
  const started = Date.now();
  const stillWaiting = await ok(['lsp', 'recover', '--alias', 'lsp', ...component(alice), '--via', 'main', '--main', s.main, '--wait', '1'], 'fresh');
  assert.equal(stillWaiting.state, 'waiting', '--wait ends cleanly before the LINK_ACCEPT');
  assert.equal(stillWaiting.requester, waiting.requester);
  assert.ok(Date.now() - started >= 1000, 'waited the given seconds');
  const temp = identity('fresh', 'lsp#recovery');
  const recover = await peekInbox(env.b.url, identity('alice', 'main'), 'LINK_RECOVER');
  assert.equal(await messagingLib.checkMessageSignature(recover.message, dm3Keys(temp).signingKeyPair.publicKey, temp.name), true);
  assert.equal(recover.message.metadata.link.profilePrivateKey, undefined);

  const view = await ok(['links', '--alias', 'main'], 'alice');
  const request = view.pending.find((p) => p.type === 'LINK_RECOVER');
  assert.equal(request.requester, temp.name);
  await ok(['links', 'accept', '--alias', 'main', '--id', request.id], 'alice');
  const r = await ok(['lsp', 'recover', '--alias', 'lsp', ...component(alice), '--via', 'main', '--main', s.main, '--wait', '20'], 'fresh');
  assert.deepEqual(r, { alias: 'lsp', lspName: s.lsp.lspName, lspAddress: s.lsp.lspAddress, via: 'main' });
  assert.equal(identity('fresh', 'lsp').walletPrivateKey, identity('alice', 'lsp').walletPrivateKey);
  assert.equal(identity('fresh', 'lsp').profileSeed, identity('alice', 'lsp').profileSeed);
  // The temporary identity is gone; its name was deleted with its own wallet's proof (the command fails otherwise).
  assert.equal(identity('fresh', 'lsp#recovery'), undefined);
});

test('a LINK built with the dm3 libraries is validated by our main messenger; another wallet needs --confirm-other-wallet', async () => {
  const lsp = identity('dave', 'dlsp');
  const keys = dm3Keys(lsp);
  const hash = '0x' + createHash('sha256').update(lsp.signedUserProfile).digest('hex');
  const now = Math.floor(Date.now() / 1000);
  const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const linkMessage = [
    `${DOMAIN} wants you to sign in with your Ethereum account:`, dave.address, '',
    'Link a dm3 app profile to your dm3 account. This sends no transaction and costs no fee.', '',
    `URI: ${URI}`, 'Version: 1', `Chain ID: ${env.chain.chainId}`, `Nonce: ${randomBytes(16).toString('hex')}`, `Issued At: ${iso(now)}`,
    `Expiration Time: ${iso(now + 86400)}`, 'Resources:', '- urn:dm3:link:type:LINK', `- urn:dm3:link:profile:${lsp.name}`,
    `- urn:dm3:link:main:${s.main}`, `- urn:dm3:link:profile-hash:${hash}`,
  ].join('\n');
  const message = {
    message: 'dm3 service message (LINK). Open it in a dm3 messenger that supports linked profiles.',
    metadata: {
      to: s.main, from: lsp.name, timestamp: Date.now(), type: 'LINK',
      link: {
        version: 1, profileName: lsp.name, profileHash: hash, linkMessage, signature: await dave.signMessage(linkMessage),
        origin: 'random', profilePrivateKey: lsp.profileSeed, walletPrivateKey: lsp.walletPrivateKey,
      },
    },
  };
  message.signature = await cryptoLib.sign(keys.signingKeyPair.privateKey, stringify(message));
  const main = await resolve(s.main);
  const dsProfile = main.deliveryServices[0].profile;
  const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, {
    from: { ensName: lsp.name, profile: JSON.parse(lsp.signedUserProfile).profile },
    to: { ensName: s.main, profile: main.profile.profile },
    deliverServiceProfile: dsProfile,
    keys,
  });
  const rpc = await (await fetch(`${dsProfile.url}/rpc`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(messagingLib.createJsonRpcCallSubmitMessage(encryptedEnvelop, '')),
  })).json();
  assert.equal(rpc.error, undefined, JSON.stringify(rpc));

  const request = await waitFor('the dm3-library LINK', async () => {
    const view = await ok(['links', '--alias', 'main'], 'alice');
    return view.pending.find((p) => p.profileName === lsp.name);
  }, 20_000, 300);
  assert.equal(request.sameWallet, false);
  assert.equal(request.owner, dave.address);
  const refused = await run(['links', 'accept', '--alias', 'main', '--id', request.id], 'alice');
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'confirm_other_wallet');
  assert.equal((await ok(['links', '--alias', 'main'], 'alice')).linked.length, 1);
  const accepted = await ok(['links', 'accept', '--alias', 'main', '--id', request.id, '--confirm-other-wallet'], 'alice');
  assert.equal(accepted.accepted, request.id);
  assert.equal((await ok(['links', '--alias', 'main'], 'alice')).linked.length, 2);
});

test('an anonymous LSP is claimed without escrow and stays out of the owner index', async () => {
  const erin = Wallet.createRandom();
  const r = await ok(['lsp', 'create', '--alias', 'anon', ...component(erin), '--path', 'signature', '--anonymous'], 'erin');
  assert.equal(r.escrow, false);
  assert.equal(r.origin, 'signature');
  assert.equal((await resolve(r.lspName)).address, r.lspAddress);
  assert.deepEqual(await ok(['lsp', 'query', ...component(erin)], 'erin'), { profiles: [] });
});

test('send, inbox (the main messenger sees messages of its linked profiles), links reject, lsp delete', async () => {
  const sent = await ok(['send', '--from', 'dlsp', '--to', s.lsp.lspName, '--text', 'hello linked profile'], 'dave');
  assert.match(sent.messageHash, /^0x[0-9a-f]{64}$/);
  assert.equal(sent.deliveryService, `ds.${APP}`);
  const seen = await waitFor('the message in the linked view', async () => {
    const inbox = await ok(['inbox', '--alias', 'main'], 'alice');
    return inbox.messages.find((m) => m.text === 'hello linked profile');
  }, 20_000, 300);
  assert.equal(seen.to, s.lsp.lspName);
  assert.equal(seen.type, 'NEW');

  const rejected = await run(['links', 'reject', '--alias', 'main', '--id', '0000000000000000'], 'alice');
  assert.equal(rejected.code, 1);
  assert.equal(rejected.json.error.code, 'not_found');

  const deleted = await ok(['lsp', 'delete', ...component(dave), '--lsp', s.dlsp.lspName], 'dave');
  assert.deepEqual(deleted, { deleted: s.dlsp.lspName });
  assert.deepEqual(await ok(['lsp', 'query', ...component(dave)], 'dave'), { profiles: [] });
});

test('link --wait: times out cleanly with state "sent", and returns "accepted" once the LINK_ACCEPT arrives; a re-sent LINK is refreshed without a new request', async () => {
  const gina = Wallet.createRandom();
  await ok(['wallet', 'import', '--alias', 'gina', '--private-key', gina.privateKey], 'gina');
  const glsp = await ok(['lsp', 'create', '--alias', 'glsp', ...component(gina), '--path', 'random'], 'gina');
  const linkArgs = ['link', '--lsp', 'glsp', '--main', s.main, '--owner', 'gina', '--domain', DOMAIN, '--uri', URI];

  const started = Date.now();
  const timedOut = await ok([...linkArgs, '--wait', '1'], 'gina');
  assert.equal(timedOut.state, 'sent');
  assert.ok(Date.now() - started >= 1000, 'waited the given seconds');

  const waiting = ok([...linkArgs, '--wait', '60'], 'gina');
  const request = await waitFor('both LINKs of glsp pending at the main messenger', async () => {
    const mine = (await ok(['links', '--alias', 'main'], 'alice')).pending.filter((p) => p.profileName === glsp.lspName);
    return mine.length === 2 ? mine[1] : undefined;
  }, 30_000, 300);
  await ok(['links', 'accept', '--alias', 'main', '--id', request.id, '--confirm-other-wallet'], 'alice');
  const accepted = await waiting;
  assert.equal(accepted.state, 'accepted');
  assert.equal(accepted.lspName, glsp.lspName);

  // §8.3 refresh: the linked LSP re-sends LINK (same owner, identical keys); the main messenger accepts it by itself.
  const refreshing = ok([...linkArgs, '--wait', '60'], 'gina');
  let refreshed;
  await waitFor('the refreshed link answered', async () => {
    await ok(['links', '--alias', 'main'], 'alice');
    refreshed = await Promise.race([refreshing, new Promise((r) => setTimeout(() => r(undefined), 300))]);
    return refreshed;
  }, 30_000, 300);
  assert.equal(refreshed.state, 'accepted');
  const view = await ok(['links', '--alias', 'main'], 'alice');
  assert.equal(view.pending.filter((p) => p.profileName === glsp.lspName).length, 1, 'only the unanswered first LINK is pending');
  assert.equal(view.linked.filter((l) => l.profileName === glsp.lspName).length, 1);
});
