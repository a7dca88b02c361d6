// Interop: the real dm3 libraries (@dm3-org/dm3-lib-* 1.7.1) use our backend as their delivery service, unchanged.
// Two profiles are made with dm3-lib-profile and claimed through our resolver API (POST /resolver/profile/address),
// which opens their DS accounts (decisions §35); the dm3 client's submitUserProfile (POST /profile/{name}) answers 401
// (a claimed profile is public, so it never yields a token) and the client falls back to our challenge flow
// (GET/POST /auth/{name}, signed with dm3-lib-crypto); an envelope built with dm3-lib-messaging (createMessage + buildEnvelop) is submitted to /rpc exactly
// as the dm3 client does (createJsonRpcCallSubmitMessage), delivered by the queue pipeline, fetched from
// /delivery/messages/incoming/{name}, opened with decryptEnvelop (message and postmark), acknowledged, and gone.
// Needs: `dotnet build` (functions/Dm3.Host/bin/Debug/net10.0/Dm3.Host.dll) and Azurite (DM3_AZURITE_CONNECTION_STRING).
// All keys are throw-away test keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { startBackend } from './support/backend.mjs';
import { killAll, waitFor } from './support/processes.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const { stringify, sha256 } = require('@dm3-org/dm3-lib-shared');
// ethers 5.7.2 exactly as the dm3 libraries resolve it (their own dependency tree).
const { ethers } = createRequire(require.resolve('@dm3-org/dm3-lib-profile'))('ethers');

const PARENT = 'myapp.eth';
const DS_NAME = `ds.${PARENT}`;

let backend;
let dsEncryption;
let dsSigning;

async function call(method, path, { body, token } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${backend.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try { json = text.length > 0 ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: response.status, json, text };
}

/** A dm3 user made entirely by dm3-lib-profile: wallet, signed profile (delivery service = ours), profile keys. */
async function newUser() {
  const wallet = ethers.Wallet.createRandom();
  const { signedProfile, keys } = await profileLib.createProfile(wallet.address, [DS_NAME], undefined, {
    signer: (message) => wallet.signMessage(message),
  });
  assert.equal(profileLib.checkUserProfileWithAddress(signedProfile, wallet.address), true);
  return { wallet, signedProfile, keys, name: `${wallet.address.toLowerCase()}.addr.${PARENT}` };
}

/**
 * Claims the name at our resolver (which opens the DS account), then signs up as the dm3 client does: submitUserProfile
 * first — refused with 401, never a token — then the challenge flow; returns the token.
 */
async function register(user) {
  const claim = await call('POST', '/resolver/profile/address', {
    body: { signedUserProfile: user.signedProfile, address: user.wallet.address, subdomain: `addr.${PARENT}` },
  });
  assert.equal(claim.status, 201, `claim: ${claim.text}`);
  const submitted = await call('POST', `/profile/${user.name}`, { body: user.signedProfile });
  assert.equal(submitted.status, 401, `submitUserProfile must not hand out a token: ${submitted.text}`);
  const { answer } = await login(user);
  assert.equal(answer.status, 200, `challenge flow: ${answer.text}`);
  assert.equal(typeof answer.json, 'string', 'the DS answers the token as a JSON string');
  return answer.json;
}

/** The dm3 challenge flow: sign the entire challenge JWT text with the profile's Ed25519 key. */
async function login(user) {
  const challenge = await call('GET', `/auth/${user.name}`);
  assert.equal(challenge.status, 200, challenge.text);
  const signature = await cryptoLib.sign(user.keys.signingKeyPair.privateKey, challenge.json);
  const body = { signature, challenge: challenge.json };
  const answer = await call('POST', `/auth/${user.name}`, { body });
  return { answer, body };
}

before(async () => {
  // The DS key pairs come from the dm3 library (libsodium formats: X25519 32 bytes, Ed25519 64 bytes seed‖public).
  dsEncryption = await cryptoLib.createKeyPair();
  dsSigning = await cryptoLib.createSigningKeyPair();
  backend = await startBackend({
    DeliveryService__EncryptionPrivateKey: dsEncryption.privateKey,
    DeliveryService__SigningPrivateKey: dsSigning.privateKey,
    DeliveryService__TokenSecret: randomBytes(32).toString('base64'),
    Links__OwnerIndexKey: randomBytes(32).toString('base64'),
    Gateway__SignerPrivateKey: ethers.Wallet.createRandom().privateKey,
    Apps__0__ParentName: PARENT,
    Queues__PumpEnabled: 'true',
    Queues__MaxPollingInterval: '00:00:00.2',
  });
});

after(async () => {
  await backend?.stop();
  killAll();
});

test('GET /hello and dm3_getDeliveryServiceProperties answer like the reference', async () => {
  const hello = await call('GET', '/hello');
  assert.equal(hello.text, 'Hello DM3');
  const properties = await call('POST', '/rpc', { body: { jsonrpc: '2.0', method: 'dm3_getDeliveryServiceProperties', params: [] } });
  assert.equal(properties.status, 200);
  assert.equal(typeof properties.json.result, 'string', 'the result is a JSON string');
  const parsed = JSON.parse(properties.json.result);
  assert.equal(parsed.sizeLimit, 100000);
  assert.equal(parsed.messageTTL, 0);
});

test('a dm3-library client registers, authenticates, sends, receives, decrypts and acknowledges through our DS', async () => {
  const alice = await newUser();
  const bob = await newUser();
  const aliceToken = await register(alice);
  await register(bob);
  assert.ok(aliceToken.length > 0);

  // Challenge flow for bob; the same challenge a second time is refused.
  const { answer, body } = await login(bob);
  assert.equal(answer.status, 200, answer.text);
  const bobToken = answer.json;
  const replay = await call('POST', `/auth/${bob.name}`, { body });
  assert.equal(replay.status, 401, 'a challenge is single use');

  const extension = await call('POST', '/rpc', { body: { jsonrpc: '2.0', method: 'dm3_getProfileExtension', params: [bob.name] } });
  assert.deepEqual(JSON.parse(extension.json.result), { notSupportedMessageTypes: ['NEW'] });

  // The envelope exactly as the dm3 library builds it (npm form: encryptedMessageHash) and submits it.
  const message = await messagingLib.createMessage(bob.name, alice.name, 'hello bob, via our delivery service', alice.keys.signingKeyPair.privateKey);
  const sendDependencies = {
    from: { ensName: alice.name, profile: alice.signedProfile.profile },
    to: { ensName: bob.name, profile: bob.signedProfile.profile },
    deliverServiceProfile: { publicEncryptionKey: dsEncryption.publicKey, publicSigningKey: dsSigning.publicKey, url: backend.url },
    keys: alice.keys,
  };
  const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, sendDependencies);
  const submitted = await call('POST', '/rpc', { body: messagingLib.createJsonRpcCallSubmitMessage(encryptedEnvelop, aliceToken) });
  assert.equal(submitted.status, 200, submitted.text);
  assert.equal(submitted.json.result, 'OK');
  assert.equal(submitted.json.id, null);

  const incoming = await waitFor('the envelope in bob\'s inbox', async () => {
    const page = await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: bobToken });
    assert.equal(page.status, 200, page.text);
    return page.json.length > 0 ? page.json : undefined;
  }, 30_000, 200);
  assert.equal(incoming.length, 1);
  const stored = incoming[0];
  assert.deepEqual(stored.metadata.deliveryInformation, { to: bob.name, from: alice.name }, 'deliveryInformation is stored decrypted');
  assert.equal(stored.metadata.encryptedMessageHash, encryptedEnvelop.metadata.encryptedMessageHash);
  assert.equal(stored.metadata.signature, encryptedEnvelop.metadata.signature, 'the signed metadata is kept byte for byte');

  // The receiver side of the dm3 library: decrypt message and postmark, check both signatures.
  const opened = await messagingLib.decryptEnvelop(stored, bob.keys.encryptionKeyPair);
  assert.deepEqual(opened.message, JSON.parse(JSON.stringify(message)), "the library message, undefined members dropped by JSON");
  assert.equal(await messagingLib.checkMessageSignature(opened.message, alice.signedProfile.profile.publicSigningKey, alice.name), true);
  const { signature, ...postmarkBody } = opened.postmark;
  assert.equal(postmarkBody.messageHash, ethers.utils.hashMessage(stringify(encryptedEnvelop.message)));
  assert.ok(Math.abs(postmarkBody.incommingTimestamp - Date.now()) < 120_000);
  assert.equal(await cryptoLib.checkSignature(dsSigning.publicKey, sha256(stringify(postmarkBody)), signature), true, 'postmark signed by our DS key');

  // Acknowledge (contactAddress = the sender name), and the envelope is gone; acknowledging again is harmless.
  const ack = { acknowledgements: [{ contactAddress: alice.name, messageHash: stored.metadata.encryptedMessageHash }] };
  assert.equal((await call('POST', `/delivery/messages/${bob.name}/syncAcknowledgements/`, { body: ack, token: bobToken })).status, 200);
  const after = await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: bobToken });
  assert.deepEqual(after.json, []);
  assert.equal((await call('POST', `/delivery/messages/${bob.name}/syncAcknowledgements/`, { body: ack, token: bobToken })).status, 200);

  // Tokens are bound to their name.
  assert.equal((await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: aliceToken })).status, 401);
});

test('a library envelope with a forged metadata signature gets a JSON-RPC error and is not delivered', async () => {
  const alice = await newUser();
  const bob = await newUser();
  await register(alice);
  const bobToken = await register(bob);
  const mallory = await cryptoLib.createSigningKeyPair();
  const message = await messagingLib.createMessage(bob.name, alice.name, 'forged', alice.keys.signingKeyPair.privateKey);
  const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, {
    from: { ensName: alice.name, profile: alice.signedProfile.profile },
    to: { ensName: bob.name, profile: bob.signedProfile.profile },
    deliverServiceProfile: { publicEncryptionKey: dsEncryption.publicKey, publicSigningKey: dsSigning.publicKey, url: backend.url },
    keys: { ...alice.keys, signingKeyPair: mallory },
  });

  const submitted = await call('POST', '/rpc', { body: { ...messagingLib.createJsonRpcCallSubmitMessage(encryptedEnvelop, ''), id: 42 } });

  assert.equal(submitted.status, 400);
  assert.equal(submitted.json.id, 42);
  assert.equal(submitted.json.error.code, -32602);
  assert.equal(submitted.json.error.data.reason, 'envelope.bad_signature');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual((await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: bobToken })).json, []);
});
