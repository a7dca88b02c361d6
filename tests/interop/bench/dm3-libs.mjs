// The node column of `bench protocol` (tests/Dm3.Bench): the same operations through the dm3 npm libraries 1.7.1
// (and ethers 6 / a regex EIP-4361 parser where the dm3 libraries have no such operation).
// Usage: node tests/interop/bench/dm3-libs.mjs [--seconds N] [--config '<json>'] [--serve]
// Standalone: progress on stderr, then one stdout line {"runtime", "ops": {key: ops/s}, "notes": {key: text}}.
// --serve (used by `bench protocol`): prints {"ready":true,…}, then answers {"op","seconds","warmUpSeconds"} lines
// with {"op","opsPerSecond"} so that the C# side can interleave its rounds with ours.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SigningKey, keccak256, solidityPackedKeccak256, hexlify } from 'ethers';
import { parseSiwe } from './siwe-regex.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const { stringify, sha256 } = require('@dm3-org/dm3-lib-shared');
const ethers5 = createRequire(require.resolve('@dm3-org/dm3-lib-profile'))('ethers').ethers;

const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = {
  seconds: 2,
  senderName: 'alice.eth',
  receiverName: 'bob.eth',
  deliveryServiceName: 'ds.dm3.eth',
  messageText: 'Hi Bob! Are we still on for lunch tomorrow at 12:30? 🍜 Let me know — Alice',
  ccipRequestBytes: 292,
  ccipResultBytes: 640,
  siweText: undefined,
  ...(argValue('--config') ? JSON.parse(argValue('--config')) : {}),
};
if (argValue('--seconds')) config.seconds = Number(argValue('--seconds'));
config.warmUpSeconds ??= Math.min(2, Math.max(0.3, config.seconds / 2));

function check(ok, what) {
  if (!ok) throw new Error(`dm3-libs bench: ${what} failed; the measured path is broken`);
}

// Runs fn for `seconds` in batches (awaiting when it returns a promise); returns ops/s.
async function run(fn, seconds) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    if (t0 >= end) break;
    for (let i = 0; i < batch; i++) {
      const r = fn();
      if (r && typeof r.then === 'function') await r;
    }
    count += batch;
    if (process.hrtime.bigint() - t0 < 5_000_000n && batch < 1 << 20) batch *= 2;
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function measure(fn) {
  await run(fn, config.warmUpSeconds);
  globalThis.gc?.();
  return run(fn, config.seconds);
}

// ----- fixtures (fresh random keys, same parameters as the C# side) -----
const wallet = ethers5.Wallet.createRandom();
const { signedProfile, keys } = await profileLib.createProfile(wallet.address, [config.deliveryServiceName], undefined, {
  signer: (msg) => wallet.signMessage(msg),
});
const receiverEncryption = await cryptoLib.createKeyPair();
const dsEncryption = await cryptoLib.createKeyPair();
const dsSigning = await cryptoLib.createSigningKeyPair();
const sendDependencies = {
  from: { ensName: config.senderName, profile: signedProfile.profile },
  to: {
    ensName: config.receiverName,
    profile: { publicEncryptionKey: receiverEncryption.publicKey, publicSigningKey: dsSigning.publicKey, deliveryServices: [config.deliveryServiceName] },
  },
  deliverServiceProfile: { publicEncryptionKey: dsEncryption.publicKey, publicSigningKey: dsSigning.publicKey, url: 'http://localhost:8080' },
  keys,
};
const message = await messagingLib.createMessage(config.receiverName, config.senderName, config.messageText, keys.signingKeyPair.privateKey);
const envelopeJson = JSON.stringify((await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, sendDependencies)).encryptedEnvelop);

const gatewayKey = new SigningKey(hexlify(randomBytes(32)));
const ccipTarget = hexlify(randomBytes(20));
const ccipRequest = randomBytes(config.ccipRequestBytes);
const ccipResult = randomBytes(config.ccipResultBytes);
const ccipExpires = BigInt(Math.floor(Date.now() / 1000) + 300);

const siweText =
  config.siweText ??
  [
    'example.com wants you to sign in with your Ethereum account:', wallet.address, '',
    'Sign in to dm3 with the account that owns alice.eth.', '',
    'URI: https://example.com/login', 'Version: 1', 'Chain ID: 1', 'Nonce: k8Fz3pQ9xY2mN7aB',
    'Issued At: 2024-10-01T12:00:00.000Z', 'Expiration Time: 2024-10-01T12:10:00Z', 'Not Before: 2024-10-01T11:59:00Z',
    'Request ID: req-42', 'Resources:', '- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/',
    '- https://example.com/my-web2-claim.json',
  ].join('\n');

// ----- operations (each mirrors the C# operation of the same key) -----
const operations = {
  // stringify(profile), creation text, hashMessage, recoverAddress, compare.
  verifyProfile: () => check(profileLib.checkUserProfileWithAddress(signedProfile, wallet.address), 'profile signature'),

  // A signed message in, the wire JSON out.
  buildEnvelope: async () => {
    const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, sendDependencies);
    check(JSON.stringify(encryptedEnvelop).length > 0, 'envelope');
  },

  // The wire JSON in: parse, decrypt and parse the message, both signatures, the envelope hash.
  openEnvelope: async () => {
    const envelope = JSON.parse(envelopeJson);
    const plaintext = await cryptoLib.decryptAsymmetric(receiverEncryption, JSON.parse(envelope.message));
    const opened = JSON.parse(plaintext);
    check(await messagingLib.checkMessageSignature(opened, keys.signingKeyPair.publicKey, opened.metadata.from), 'message signature');
    const { signature, ...unsigned } = envelope.metadata;
    check(await cryptoLib.checkSignature(keys.signingKeyPair.publicKey, stringify(unsigned), signature), 'metadata signature');
    check(sha256(stringify(envelope.message)) === envelope.metadata.encryptedMessageHash, 'envelope hash');
  },

  // As the ENS reference gateway: solidity-packed keccak of 0x1900‖target‖expires‖keccak(request)‖keccak(result), then sign.
  ccipSign: () => {
    const digest = solidityPackedKeccak256(
      ['bytes', 'address', 'uint64', 'bytes32', 'bytes32'],
      ['0x1900', ccipTarget, ccipExpires, keccak256(ccipRequest), keccak256(ccipResult)],
    );
    check(gatewayKey.sign(digest).serialized.length === 132, 'signature');
  },

  siweParse: () => check(parseSiwe(siweText).nonce === 'k8Fz3pQ9xY2mN7aB', 'EIP-4361 parse'),
};

const notes = {
  ccipSign: 'ethers 6.17 SigningKey.sign (the signer of the ENS reference gateway); dm3 libraries have no CCIP signer',
  siweParse: 'no siwe package installed: hand-written single-regex parser + ethers 6 EIP-55 check (less validation than ours; optimistic for node)',
};

const libVersion = JSON.parse(readFileSync(path.join(path.dirname(require.resolve('@dm3-org/dm3-lib-messaging')), '..', 'package.json'), 'utf8')).version;
const runtime = `node ${process.version}, @dm3-org/dm3-lib-* ${libVersion}, ethers 5.7.2 (dm3 libs) / 6 (gateway, EIP-55)`;

for (const fn of Object.values(operations)) await fn(); // each must succeed before it is timed

if (args.includes('--serve')) {
  // Interleaved mode for tests/Dm3.Bench: one request per stdin line, one JSON reply per stdout line.
  console.log(JSON.stringify({ ready: true, runtime, notes }));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      const request = JSON.parse(line);
      const fn = operations[request.op];
      if (!fn) throw new Error(`unknown operation ${request.op}`);
      await run(fn, request.warmUpSeconds ?? 0);
      const opsPerSecond = await run(fn, request.seconds ?? config.seconds);
      console.log(JSON.stringify({ op: request.op, opsPerSecond }));
    } catch (e) {
      console.log(JSON.stringify({ error: String(e?.message ?? e) }));
    }
  }
} else {
  const ops = {};
  for (const [key, fn] of Object.entries(operations)) {
    ops[key] = await measure(fn);
    process.stderr.write(`  node  ${key.padEnd(16)} ${Math.round(ops[key]).toLocaleString('en-US').padStart(12)} ops/s\n`);
  }
  console.log(JSON.stringify({ runtime, ops, notes }));
}
