// dm3 keys and the DS challenge flow for an identity of our CLI key file, as the dm3 libraries want them. Shared by the
// Linked Profiles end-to-end test and the relay end-to-end test.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const sodium = require('libsodium-wrappers');

/** The dm3 keys of an identity in our key file (libsodium from the profile seed). Await `sodium.ready` first. */
export function dm3Keys(id) {
  const seed = Buffer.from(id.profileSeed, 'base64');
  const xPrivate = sodium.crypto_generichash(32, seed);
  const sign = sodium.crypto_sign_seed_keypair(seed);
  return {
    encryptionKeyPair: { privateKey: Buffer.from(xPrivate).toString('base64'), publicKey: Buffer.from(sodium.crypto_scalarmult_base(xPrivate)).toString('base64') },
    signingKeyPair: { privateKey: Buffer.from(sign.privateKey).toString('base64'), publicKey: Buffer.from(sign.publicKey).toString('base64') },
  };
}

/** Logs in as `id` at `dsUrl` with the challenge flow (GET/POST /auth/{name}) and returns the bearer token. */
export async function dsLogin(dsUrl, id) {
  const keys = dm3Keys(id);
  const challenge = await (await fetch(`${dsUrl}/auth/${id.name}`)).json();
  const response = await fetch(`${dsUrl}/auth/${id.name}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ challenge, signature: await cryptoLib.sign(keys.signingKeyPair.privateKey, challenge) }),
  });
  if (response.status !== 200) throw new Error(`login of ${id.name} at ${dsUrl}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * A LINK service message (linked-profiles §5) from the linked profile `lsp` (an identity of our key file) to `main`,
 * signed by `owner` (an ethers wallet) and by the profile's dm3 key, as a dm3 messenger would build it.
 */
export async function linkMessage({ lsp, main, owner, domain, uri, chainId, nonce, origin = 'random' }) {
  const { createHash } = await import('node:crypto');
  const { stringify } = require('@dm3-org/dm3-lib-shared');
  const hash = '0x' + createHash('sha256').update(lsp.signedUserProfile).digest('hex');
  const now = Math.floor(Date.now() / 1000);
  const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const text = [
    `${domain} wants you to sign in with your Ethereum account:`, owner.address, '',
    'Link a dm3 app profile to your dm3 account. This sends no transaction and costs no fee.', '',
    `URI: ${uri}`, 'Version: 1', `Chain ID: ${chainId}`, `Nonce: ${nonce}`, `Issued At: ${iso(now)}`,
    `Expiration Time: ${iso(now + 86400)}`, 'Resources:', '- urn:dm3:link:type:LINK', `- urn:dm3:link:profile:${lsp.name}`,
    `- urn:dm3:link:main:${main}`, `- urn:dm3:link:profile-hash:${hash}`,
  ].join('\n');
  const message = {
    message: 'dm3 service message (LINK). Open it in a dm3 messenger that supports linked profiles.',
    metadata: {
      to: main, from: lsp.name, timestamp: Date.now(), type: 'LINK',
      link: {
        version: 1, profileName: lsp.name, profileHash: hash, linkMessage: text, signature: await owner.signMessage(text),
        origin, profilePrivateKey: lsp.profileSeed, walletPrivateKey: lsp.walletPrivateKey,
      },
    },
  };
  message.signature = await cryptoLib.sign(dm3Keys(lsp).signingKeyPair.privateKey, stringify(message));
  return message;
}
