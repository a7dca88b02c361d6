// Live interop between our C# protocol code (the `dm3` CLI) and the real dm3 npm libraries (1.7.1), on every run.
//   (a) C# produces a SignedUserProfile and envelopes from fresh random keys; the dm3 libraries verify and decrypt them.
//   (b) The dm3 libraries produce them from fresh random keys; `dm3 interop verify` checks and decrypts them.
// Each direction has negative checks: a tampered artefact MUST be rejected, so the test fails when a side stops checking.
// The CLI must be built first (scripts/test.sh builds the solution): functions/Dm3.Cli/bin/Debug/net10.0/dm3.dll,
// or set DM3_CLI_DLL. All keys here are throw-away test keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomInt } from 'node:crypto';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const { stringify, sha256 } = require('@dm3-org/dm3-lib-shared');
// ethers 5.7.2 exactly as the dm3 libraries resolve it (their own dependency tree), not the root ethers 6.
const { ethers } = createRequire(require.resolve('@dm3-org/dm3-lib-profile'))('ethers');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DM3_DLL = process.env.DM3_CLI_DLL ?? path.join(ROOT, 'functions/Dm3.Cli/bin/Debug/net10.0/dm3.dll');
const SENDER = 'alice.eth';
const RECEIVER = 'bob.eth';
const DS = 'ds.dm3.eth';

let workDir;

function runDm3(args) {
  const result = spawnSync('dotnet', [DM3_DLL, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return result;
}

function verifyWithCsharp(document, label) {
  const file = path.join(workDir, `${label}.json`);
  writeFileSync(file, JSON.stringify(document));
  const result = runDm3(['interop', 'verify', '--in', file]);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    assert.fail(`dm3 interop verify printed no JSON report (exit ${result.status}): ${result.stdout}\n${result.stderr}`);
  }
  return { status: result.status, report };
}

const failedChecks = (report) => report.checks.filter((c) => !c.ok).map((c) => `${c.name}${c.detail ? ` (${c.detail})` : ''}`);

// Text pieces that stress canonical JSON and UTF-8: quotes, escapes, control characters, astral emoji, U+2028, HTML.
const PIECES = ['hi', ' ', '"q"', '\\', '\n', '\t', '\u0001', '\u007f', 'ünï', '日本', '😀', '👩‍💻', '\u2028', '<b>&amp;</b>', '/', 'ß', '𝄞'];
function randomText(maxBytes) {
  const target = randomInt(0, maxBytes);
  let text = '';
  while (Buffer.byteLength(text) < target) text += PIECES[randomInt(PIECES.length)];
  return text;
}

// Flip one bit in the decoded bytes of a base64 string.
function flipBase64Byte(b64, index = 0) {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index % bytes.length] ^= 0x01;
  return bytes.toString('base64');
}

// Change one hex digit of a 0x-hex string at a position inside r (keeps the length and v intact).
function flipHexDigit(hex, position = 10) {
  const c = hex[position];
  return hex.slice(0, position) + (c === '0' ? '1' : '0') + hex.slice(position + 1);
}

const clone = (x) => JSON.parse(JSON.stringify(x));

before(() => {
  assert.ok(existsSync(DM3_DLL), `the dm3 CLI is not built: ${DM3_DLL} (run dotnet build first)`);
  workDir = mkdtempSync(path.join(tmpdir(), 'dm3-interop-'));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// (a) C# produces, the dm3 libraries verify
// ---------------------------------------------------------------------------------------------------------------

function produceWithCsharp() {
  const result = runDm3(['interop', 'produce']);
  assert.equal(result.status, 0, `dm3 interop produce failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// Everything a receiver (and, for deliveryInformation, the DS) does with an envelope, through the libraries.
async function libraryOpensEnvelope(envelope, produced) {
  const receiverKeys = { publicKey: produced.receiver.encryptionPublicKey, privateKey: produced.receiver.encryptionPrivateKey };
  const dsKeys = { publicKey: produced.deliveryService.encryptionPublicKey, privateKey: produced.deliveryService.encryptionPrivateKey };
  const senderSigningKey = produced.sender.signedUserProfile.profile.publicSigningKey;

  const plaintext = await cryptoLib.decryptAsymmetric(receiverKeys, JSON.parse(envelope.message));
  const message = JSON.parse(plaintext);
  const messageSignatureOk = await messagingLib.checkMessageSignature(message, senderSigningKey, SENDER);
  const { signature, ...unsignedMetadata } = envelope.metadata;
  const metadataSignatureOk = await cryptoLib.checkSignature(senderSigningKey, stringify(unsignedMetadata), signature);
  const deliveryInformation = JSON.parse(await cryptoLib.decryptAsymmetric(dsKeys, JSON.parse(envelope.metadata.deliveryInformation)));
  return { plaintext, message, messageSignatureOk, metadataSignatureOk, deliveryInformation };
}

test('a: the SignedUserProfile produced by C# verifies with dm3-lib-profile', async () => {
  const produced = produceWithCsharp();
  const profile = produced.sender.signedUserProfile;
  const address = produced.wallet.address;

  assert.equal(profileLib.checkUserProfileWithAddress(profile, address), true, 'checkUserProfileWithAddress');
  assert.equal(profileLib.checkUserProfileWithAddress(profile, address.toLowerCase()), true, 'lower-case address');
  const provider = { resolveName: async (name) => (name === SENDER ? address : null) };
  assert.equal(await profileLib.checkUserProfile(provider, profile, SENDER), true, 'checkUserProfile');
  assert.equal(sha256(stringify(profile)), produced.sender.dm3Hash, 'dm3Hash = sha256(stringify(profile))');
  assert.equal(produced.sender.profileRecord, 'data:application/json,' + stringify(profile), 'text record value');
  assert.equal(new ethers.Wallet(produced.wallet.privateKey).address, address, 'wallet address (EIP-55)');
});

test('a: the dm3 libraries derive the same profile keys and signature from the same wallet', async () => {
  const produced = produceWithCsharp();
  const wallet = new ethers.Wallet(produced.wallet.privateKey);
  const { signedProfile, keys } = await profileLib.createProfile(wallet.address, [DS], undefined, {
    signer: (msg) => wallet.signMessage(msg),
  });
  assert.equal(keys.storageEncryptionKey, produced.sender.storageKey, 'storage key');
  assert.equal(stringify(signedProfile), stringify(produced.sender.signedUserProfile), 'signed profile (RFC 6979 makes it deterministic)');
});

test('a: both C# envelope forms decrypt and verify with dm3-lib-crypto and dm3-lib-messaging', async () => {
  const produced = produceWithCsharp();
  const forms = Object.keys(produced.envelopes).sort();
  assert.deepEqual(forms, ['encryptedMessageHash', 'messageHash']);
  for (const form of forms) {
    const envelope = produced.envelopes[form];
    const opened = await libraryOpensEnvelope(envelope, produced);
    assert.equal(opened.plaintext, stringify(produced.message), `${form}: plaintext is stringify(message)`);
    assert.deepEqual(opened.message, produced.message, `${form}: message`);
    assert.equal(opened.messageSignatureOk, true, `${form}: message signature`);
    assert.equal(opened.metadataSignatureOk, true, `${form}: metadata signature`);
    assert.deepEqual(opened.deliveryInformation, { to: RECEIVER, from: SENDER }, `${form}: deliveryInformation`);
    assert.equal(envelope.metadata.version, 'v1');
    assert.equal(envelope.metadata.encryptionScheme, 'x25519-chacha20-poly1305');
    if (form === 'encryptedMessageHash') {
      assert.equal(envelope.metadata.encryptedMessageHash, sha256(stringify(envelope.message)), 'npm-form hash');
      assert.equal(envelope.metadata.messageHash, undefined);
    } else {
      assert.equal(envelope.metadata.messageHash, sha256(stringify(produced.message)), 'source-tree hash');
      assert.equal(envelope.metadata.messageHash, produced.messageHash);
      assert.equal(envelope.metadata.encryptedMessageHash, undefined);
    }

    // The reference delivery-service path (postmark + deliveryInformation), then the receiver's decryptEnvelop.
    const dsSigning = await cryptoLib.createSigningKeyPair();
    const dsKeys = {
      signingKeyPair: dsSigning,
      encryptionKeyPair: { publicKey: produced.deliveryService.encryptionPublicKey, privateKey: produced.deliveryService.encryptionPrivateKey },
    };
    const receiverProfile = { publicEncryptionKey: produced.receiver.encryptionPublicKey, publicSigningKey: dsSigning.publicKey, deliveryServices: [DS] };
    const handled = await messagingLib.handleMessageOnDeliveryService(envelope, dsKeys, receiverProfile);
    assert.deepEqual(handled.decryptedDeliveryInformation, { to: RECEIVER, from: SENDER }, `${form}: handleMessageOnDeliveryService`);
    const receiverKeys = { publicKey: produced.receiver.encryptionPublicKey, privateKey: produced.receiver.encryptionPrivateKey };
    const delivered = await messagingLib.decryptEnvelop(handled.encryptedEnvelop, receiverKeys);
    assert.deepEqual(delivered.message, produced.message, `${form}: decryptEnvelop message`);
  }
});

test('a (negative): the dm3 libraries reject tampered C# output', async () => {
  const produced = produceWithCsharp();
  const address = produced.wallet.address;

  const badSignature = clone(produced.sender.signedUserProfile);
  badSignature.signature = flipHexDigit(badSignature.signature);
  let accepted;
  try {
    accepted = profileLib.checkUserProfileWithAddress(badSignature, address);
  } catch {
    accepted = false; // ethers may refuse a signature that recovers to no point at all
  }
  assert.equal(accepted, false, 'tampered profile signature');

  const badProfile = clone(produced.sender.signedUserProfile);
  badProfile.profile.deliveryServices = ['evil.eth'];
  assert.equal(profileLib.checkUserProfileWithAddress(badProfile, address), false, 'tampered profile');

  const otherAddress = ethers.Wallet.createRandom().address;
  assert.equal(profileLib.checkUserProfileWithAddress(produced.sender.signedUserProfile, otherAddress), false, 'wrong address');

  const envelope = clone(produced.envelopes.encryptedMessageHash);
  const payload = JSON.parse(envelope.message);
  payload.ciphertext = flipBase64Byte(payload.ciphertext, 7);
  envelope.message = stringify(payload);
  await assert.rejects(libraryOpensEnvelope(envelope, produced), 'tampered ciphertext must not decrypt');

  const badMetadata = clone(produced.envelopes.messageHash);
  badMetadata.metadata.messageHash = flipHexDigit(badMetadata.metadata.messageHash, 5);
  assert.equal((await libraryOpensEnvelope(badMetadata, produced)).metadataSignatureOk, false, 'tampered metadata');

  const badMessage = clone(produced.message);
  badMessage.message = (badMessage.message ?? '') + '!';
  assert.equal(await messagingLib.checkMessageSignature(badMessage, produced.sender.signedUserProfile.profile.publicSigningKey, SENDER), false, 'tampered message');
});

// ---------------------------------------------------------------------------------------------------------------
// (b) the dm3 libraries produce, C# verifies
// ---------------------------------------------------------------------------------------------------------------

async function produceWithLibraries() {
  const wallet = ethers.Wallet.createRandom();
  const { signedProfile, keys } = await profileLib.createProfile(wallet.address, [DS], undefined, {
    signer: (msg) => wallet.signMessage(msg),
  });
  const receiverEncryption = await cryptoLib.createKeyPair();
  const receiverSigning = await cryptoLib.createSigningKeyPair();
  const dsEncryption = await cryptoLib.createKeyPair();
  const dsSigning = await cryptoLib.createSigningKeyPair();
  const sendDependencies = {
    from: { ensName: SENDER, profile: signedProfile.profile },
    to: {
      ensName: RECEIVER,
      profile: { publicEncryptionKey: receiverEncryption.publicKey, publicSigningKey: receiverSigning.publicKey, deliveryServices: [DS] },
    },
    deliverServiceProfile: { publicEncryptionKey: dsEncryption.publicKey, publicSigningKey: dsSigning.publicKey, url: 'http://localhost:8080' },
    keys,
  };

  // npm-form envelopes from buildEnvelop: lengths on both sides of the 2048-byte padding block; one with an attachment.
  const texts = [randomText(64), randomText(2100), randomText(5000)];
  const messages = [];
  const envelopes = [];
  for (const [i, text] of texts.entries()) {
    const attachments = i === 1 ? [{ name: 'a.txt', data: 'data:text/plain;base64,' + randomBytes(30).toString('base64') }] : undefined;
    const message = await messagingLib.createMessage(RECEIVER, SENDER, text, keys.signingKeyPair.privateKey, attachments);
    const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, sendDependencies);
    messages.push(message);
    envelopes.push(encryptedEnvelop);
  }

  // The source-tree (`messageHash`) form, which npm 1.7.1 cannot emit: built from the library primitives the way
  // the reference source tree's buildEnvelop does (sha256 of the canonical plaintext message).
  {
    const message = await messagingLib.createMessage(RECEIVER, SENDER, randomText(300), keys.signingKeyPair.privateKey);
    const metadata = {
      deliveryInformation: stringify(await cryptoLib.encryptAsymmetric(dsEncryption.publicKey, stringify({ to: RECEIVER, from: SENDER }))),
      encryptionScheme: 'x25519-chacha20-poly1305',
      messageHash: sha256(stringify(message)),
      version: 'v1',
    };
    metadata.signature = await cryptoLib.sign(keys.signingKeyPair.privateKey, stringify(metadata));
    messages.push(message);
    envelopes.push({ message: stringify(await cryptoLib.encryptAsymmetric(receiverEncryption.publicKey, stringify(message))), metadata });
  }

  const document = {
    address: wallet.address,
    signedUserProfile: signedProfile,
    senderPublicSigningKey: keys.signingKeyPair.publicKey,
    receiverEncryptionPrivateKey: receiverEncryption.privateKey,
    deliveryServiceEncryptionPrivateKey: dsEncryption.privateKey,
    envelopes,
    expected: { messages: JSON.parse(JSON.stringify(messages)), dm3Hash: sha256(stringify(signedProfile)), storageKey: keys.storageEncryptionKey },
  };
  return { document, sendDependencies, keys };
}

let libraryArtefacts;
async function libraryDocument() {
  libraryArtefacts ??= await produceWithLibraries();
  return clone(libraryArtefacts.document);
}

test('b: C# verifies and decrypts a profile and envelopes produced by the dm3 libraries', async () => {
  const document = await libraryDocument();
  const { status, report } = verifyWithCsharp(document, 'b-valid');
  assert.deepEqual(failedChecks(report), [], 'no check may fail');
  assert.equal(report.ok, true);
  assert.equal(status, 0);
  const names = new Set(report.checks.map((c) => c.name));
  for (const name of ['profile.signature', 'profile.dm3Hash', 'profile.keysFromStorageKey', 'profile.senderKeyMatches']) {
    assert.ok(names.has(name), `check ${name} ran`);
  }
  for (let i = 0; i < document.envelopes.length; i++) {
    const hashCheck = document.envelopes[i].metadata.messageHash ? 'messageHash' : 'encryptedMessageHash';
    for (const suffix of ['metadata.signature', 'deliveryInformation.decrypt', 'deliveryInformation.matchesMessage', 'message.decrypt',
      'message.canonical', 'message.signature', hashCheck, 'message.expected']) {
      assert.ok(names.has(`envelope[${i}].${suffix}`), `check envelope[${i}].${suffix} ran`);
    }
  }
});

test('b: C# opens a library envelope and its postmark after the reference delivery service handled it', async () => {
  const document = await libraryDocument();
  const dsSigning = await cryptoLib.createSigningKeyPair();
  const { sendDependencies } = libraryArtefacts;
  const dsKeys = {
    signingKeyPair: dsSigning,
    encryptionKeyPair: { publicKey: sendDependencies.deliverServiceProfile.publicEncryptionKey, privateKey: document.deliveryServiceEncryptionPrivateKey },
  };
  const handled = await messagingLib.handleMessageOnDeliveryService(document.envelopes[0], dsKeys, sendDependencies.to.profile);
  assert.ok(handled.encryptedEnvelop.postmark, 'the reference DS added a postmark');
  const postmarked = {
    ...document,
    deliveryServicePublicSigningKey: dsSigning.publicKey,
    envelopes: [handled.encryptedEnvelop],
    expected: { ...document.expected, messages: [document.expected.messages[0]] },
  };
  const { status, report } = verifyWithCsharp(postmarked, 'b-postmarked');
  assert.deepEqual(failedChecks(report), []);
  assert.equal(status, 0);
  const names = report.checks.map((c) => c.name);
  for (const name of ['envelope[0].postmark.decrypt', 'envelope[0].postmark.matchesMessage', 'envelope[0].postmark.signature']) {
    assert.ok(names.includes(name), `check ${name} ran`);
  }

  // A postmark signed by another DS key must be rejected.
  const otherDs = await cryptoLib.createSigningKeyPair();
  const forged = verifyWithCsharp({ ...postmarked, deliveryServicePublicSigningKey: otherDs.publicKey }, 'b-postmark-wrong-ds');
  assert.notEqual(forged.status, 0);
  assert.deepEqual(forged.report.failed, ['envelope[0].postmark.signature']);
});

// Each case tampers one thing on the library side; `dm3 interop verify` must exit non-zero and name the failing check.
const tamperCases = [
  {
    name: 'one ciphertext byte of the message',
    expectFailed: 'envelope[0].message.decrypt',
    tamper: (d) => {
      const payload = JSON.parse(d.envelopes[0].message);
      payload.ciphertext = flipBase64Byte(payload.ciphertext, 3);
      d.envelopes[0].message = stringify(payload);
    },
  },
  {
    name: 'one ciphertext byte of deliveryInformation',
    expectFailed: 'envelope[1].deliveryInformation.decrypt',
    tamper: (d) => {
      const payload = JSON.parse(d.envelopes[1].metadata.deliveryInformation);
      payload.ciphertext = flipBase64Byte(payload.ciphertext, 0);
      d.envelopes[1].metadata.deliveryInformation = stringify(payload);
    },
  },
  {
    name: 'the metadata signature',
    expectFailed: 'envelope[2].metadata.signature',
    tamper: (d) => { d.envelopes[2].metadata.signature = flipBase64Byte(d.envelopes[2].metadata.signature, 9); },
  },
  {
    name: 'the profile signature',
    expectFailed: 'profile.signature',
    tamper: (d) => { d.signedUserProfile.signature = flipHexDigit(d.signedUserProfile.signature); },
  },
  {
    name: 'the claimed address',
    expectFailed: 'profile.signature',
    tamper: (d) => { d.address = ethers.Wallet.createRandom().address; },
  },
  {
    name: 'the expected message (C# decrypts something else)',
    expectFailed: 'envelope[0].message.expected',
    tamper: (d) => { d.expected.messages[0].metadata.timestamp += 1; },
  },
  {
    name: 'the source-tree messageHash (metadata re-signed, so only the hash disagrees)',
    expectFailed: 'envelope[3].messageHash',
    tamper: (d) => { d.envelopes[3].metadata.messageHash = flipHexDigit(d.envelopes[3].metadata.messageHash, 4); },
    resign: 3,
  },
  {
    name: 'the encryptedMessageHash',
    expectFailed: 'envelope[0].encryptedMessageHash',
    tamper: (d) => { d.envelopes[0].metadata.encryptedMessageHash = flipHexDigit(d.envelopes[0].metadata.encryptedMessageHash, 4); },
  },
];

for (const tc of tamperCases) {
  test(`b (negative): C# verify rejects tampering with ${tc.name}`, async () => {
    const document = await libraryDocument();
    tc.tamper(document);
    if (tc.resign !== undefined) {
      const { signature, ...unsigned } = document.envelopes[tc.resign].metadata;
      document.envelopes[tc.resign].metadata.signature = await cryptoLib.sign(libraryArtefacts.keys.signingKeyPair.privateKey, stringify(unsigned));
    }
    const { status, report } = verifyWithCsharp(document, `b-tampered-${tamperCases.indexOf(tc)}`);
    assert.notEqual(status, 0, 'dm3 interop verify must exit non-zero');
    assert.equal(report.ok, false);
    assert.ok(report.failed.includes(tc.expectFailed), `expected ${tc.expectFailed} to fail; failed: ${report.failed.join(', ')}`);
  });
}

test('b (negative): a message re-encrypted with altered text but the old signature fails only the message signature', async () => {
  const document = await libraryDocument();
  const { sendDependencies } = libraryArtefacts;
  const forged = { ...document.expected.messages[0], message: document.expected.messages[0].message + ' (forged)' };
  // Re-wrap it properly (fresh encryption, metadata re-signed by the sender) so only the inner signature is wrong.
  const { encryptedEnvelop } = await messagingLib.buildEnvelop(forged, cryptoLib.encryptAsymmetric, sendDependencies);
  document.envelopes = [encryptedEnvelop];
  document.expected.messages = [forged];
  const { status, report } = verifyWithCsharp(document, 'b-forged-message');
  assert.equal(status, 1);
  assert.deepEqual(report.failed, ['envelope[0].message.signature']);
});
