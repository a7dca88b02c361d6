// The demo behind `./dev run`: a local chain with the real ENS contracts, our backend in front of Azurite, and the
// dm3 flows done by the real dm3 libraries and ethers 6 (as a dApp and a dm3 client would):
//   1. two users get dm3 profiles whose names <address>.addr.myapp.eth are claimed at our resolver;
//   2. ethers resolves the names through ENS + CCIP-Read (OffchainResolver → our /ccip gateway);
//   3. both sign in at our delivery service (the claim opened their accounts), alice sends bob a message, bob fetches,
//      decrypts, acknowledges.
// Then it prints the URLs and keeps running until Ctrl-C. Needs Azurite (scripts/run.sh starts it) and `dotnet build`.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ContractFactory, EnsPlugin, JsonRpcProvider, Network, Wallet, ZeroHash, id, namehash } from 'ethers';
import { startAnvil } from '../tests/interop/support/anvil.mjs';
import { loadEnsArtifacts } from '../tests/interop/support/ens-contracts.mjs';
import { startBackend } from '../tests/interop/support/backend.mjs';
import { killAll, waitFor } from '../tests/interop/support/processes.mjs';
import { ROOT } from '../tests/interop/support/paths.mjs';
import { runLspDemo } from './lsp-demo.mjs';

const require = createRequire(import.meta.url);
const profileLib = require('@dm3-org/dm3-lib-profile');
const cryptoLib = require('@dm3-org/dm3-lib-crypto');
const messagingLib = require('@dm3-org/dm3-lib-messaging');
const { ethers: ethers5 } = createRequire(require.resolve('@dm3-org/dm3-lib-profile'))('ethers');

const PARENT = 'myapp.eth';
const DS_NAME = `ds.${PARENT}`;
const PORT = Number(process.env.DM3_PORT ?? 5080);
const demo = !process.argv.includes('--no-demo');
const step = (text) => console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);

let anvil;
let backend;
async function shutdown(code = 0) {
  await backend?.stop();
  anvil?.stop();
  killAll();
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  step('Local chain: anvil with ENSRegistry and the ENS OffchainResolver (myapp.eth → our gateway)');
  const artifacts = loadEnsArtifacts();
  anvil = await startAnvil();
  const deployer = await anvil.provider.getSigner(0);
  const owner = await deployer.getAddress();
  const registry = await new ContractFactory(artifacts.ENSRegistry.abi, artifacts.ENSRegistry.bytecode, deployer).deploy();
  await registry.waitForDeployment();
  await (await registry.setSubnodeOwner(ZeroHash, id('eth'), owner)).wait();
  await (await registry.setSubnodeOwner(namehash('eth'), id('myapp'), owner)).wait();
  // The gateway signer is a fresh key per run; its address is built into the resolver contract.
  const gatewaySigner = Wallet.createRandom();
  const baseUrl = `http://127.0.0.1:${PORT}`;
  const resolver = await new ContractFactory(artifacts.OffchainResolver.abi, artifacts.OffchainResolver.bytecode, deployer)
    .deploy(`${baseUrl}/ccip/{sender}/{data}.json`, [gatewaySigner.address]);
  await resolver.waitForDeployment();
  await (await registry.setResolver(namehash(PARENT), await resolver.getAddress())).wait();
  console.log(`  registry ${await registry.getAddress()}, resolver ${await resolver.getAddress()}, signer ${gatewaySigner.address}`);

  step(`Backend: functions/Dm3.Host (the standalone host) on ${baseUrl} (queue pump on Azurite; delivery-service keys in .dev-keys/)`);
  mkdirSync(path.join(ROOT, '.dev-keys'), { recursive: true });
  backend = await startBackend({
    ASPNETCORE_URLS: baseUrl,
    PublicBaseUrl: baseUrl,
    DevKeys__Enabled: 'true',
    DevKeys__Path: path.join(ROOT, '.dev-keys', 'dev-keys.json'),
    Gateway__SignerPrivateKey: gatewaySigner.privateKey,
    Gateway__Resolvers__0__Address: await resolver.getAddress(),
    Gateway__Resolvers__0__Family: 'ens',
    Apps__0__ParentName: PARENT,
    Queues__PumpEnabled: 'true',
    Queues__MaxPollingInterval: '00:00:00.2',
  });
  console.log(`  /health: ${JSON.stringify(backend.health)}`);

  if (demo) {
    const network = new Network('anvil', anvil.chainId);
    network.attachPlugin(new EnsPlugin(await registry.getAddress(), Number(anvil.chainId)));
    const provider = new JsonRpcProvider(anvil.url, network, { staticNetwork: network });
    const call = async (method, route, { body, token } = {}) => {
      const headers = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(`${baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route} → ${response.status} ${text}`);
      return text.length > 0 ? JSON.parse(text) : undefined;
    };
    const newUser = async (label) => {
      const wallet = ethers5.Wallet.createRandom();
      const { signedProfile, keys } = await profileLib.createProfile(wallet.address, [DS_NAME], undefined, {
        signer: (message) => wallet.signMessage(message),
      });
      const name = `${wallet.address.toLowerCase()}.addr.${PARENT}`;
      console.log(`  ${label}: ${name}`);
      return { label, wallet, signedProfile, keys, name };
    };

    step('Two dm3 profiles made by @dm3-org/dm3-lib-profile, claimed at POST /resolver/profile/address');
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    for (const user of [alice, bob]) {
      const claimed = await call('POST', '/resolver/profile/address', {
        body: { signedUserProfile: user.signedProfile, address: user.wallet.address, subdomain: `addr.${PARENT}` },
      });
      console.log(`  ${user.label} claimed ${claimed.name} (profile hash ${claimed.profileHash})`);
    }

    step('ethers 6 resolves the names through ENS: OffchainResolver → OffchainLookup → our /ccip gateway → signed answer');
    for (const user of [alice, bob]) {
      const ensResolver = await provider.getResolver(user.name);
      const address = await ensResolver.getAddress();
      const record = await ensResolver.getText('network.dm3.profile');
      console.log(`  addr(${user.label}) = ${address}; network.dm3.profile = ${record.slice(0, 72)}…`);
    }
    const dsRecord = await (await provider.getResolver(DS_NAME)).getText('network.dm3.deliveryService');
    console.log(`  ${DS_NAME} network.dm3.deliveryService = ${dsRecord}`);
    const dsProfile = JSON.parse(dsRecord.slice(dsRecord.indexOf(',') + 1));

    step('Both sign in at our delivery service: the claim opened their accounts; the challenge flow (GET/POST /auth/{name}) issues the tokens');
    const signIn = async (user) => {
      const challenge = await call('GET', `/auth/${user.name}`);
      return call('POST', `/auth/${user.name}`, {
        body: { challenge, signature: await cryptoLib.sign(user.keys.signingKeyPair.privateKey, challenge) },
      });
    };
    const aliceToken = await signIn(alice);
    const bobToken = await signIn(bob);
    console.log(`  tokens issued (not shown)`);

    step('alice sends bob a message: dm3-lib-messaging builds the envelope, dm3_submitMessage on /rpc');
    const message = await messagingLib.createMessage(bob.name, alice.name, `Hello bob! (${new Date().toISOString()})`, alice.keys.signingKeyPair.privateKey);
    const { encryptedEnvelop } = await messagingLib.buildEnvelop(message, cryptoLib.encryptAsymmetric, {
      from: { ensName: alice.name, profile: alice.signedProfile.profile },
      to: { ensName: bob.name, profile: bob.signedProfile.profile },
      deliverServiceProfile: dsProfile,
      keys: alice.keys,
    });
    const rpc = await call('POST', '/rpc', { body: messagingLib.createJsonRpcCallSubmitMessage(encryptedEnvelop, aliceToken) });
    console.log(`  /rpc → ${JSON.stringify(rpc)} (the queue pipeline adds the postmark and writes bob's inbox)`);

    step('bob fetches his inbox, decrypts message and postmark with the dm3 library, acknowledges');
    const inbox = await waitFor('bob\'s inbox', async () => {
      const page = await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: bobToken });
      return page.length > 0 ? page : undefined;
    }, 30_000, 200);
    const opened = await messagingLib.decryptEnvelop(inbox[0], bob.keys.encryptionKeyPair);
    console.log(`  message from ${opened.message.metadata.from}: "${opened.message.message}"`);
    console.log(`  postmark: arrived ${new Date(opened.postmark.incommingTimestamp).toISOString()}, hash ${opened.postmark.messageHash}`);
    await call('POST', `/delivery/messages/${bob.name}/syncAcknowledgements/`, {
      token: bobToken,
      body: { acknowledgements: [{ contactAddress: alice.name, messageHash: inbox[0].metadata.encryptedMessageHash }] },
    });
    const after = await call('GET', `/delivery/messages/incoming/${bob.name}`, { token: bobToken });
    console.log(`  acknowledged; inbox now holds ${after.length} envelope(s)`);
    provider.destroy();

    // The Linked Profiles story (issue 12) on its own chain and two more backends, stopped when it ends.
    if (!(await runLspDemo())) throw new Error('the Linked Profiles demo failed');
  }

  step('Running. Ctrl-C stops the backend, the chain and Azurite.');
  console.log(`  backend        ${baseUrl}   (GET /health, GET /openapi/v1.json)`);
  console.log(`  resolver API   ${baseUrl}/resolver   (dm3 client "resolver" base URL)`);
  console.log(`  delivery svc   ${baseUrl}   (/rpc, /auth/{name}, /profile/{name}, /delivery/messages/…)`);
  console.log(`  CCIP gateway   ${baseUrl}/ccip/{sender}/{data}.json`);
  console.log(`  chain (anvil)  ${anvil.url}   ENS registry ${await registry.getAddress()}`);
  if (process.env.DM3_DEMO_EXIT === '1') await shutdown(0);
  await new Promise(() => {});
} catch (error) {
  console.error(`\n✖ ${error.stack ?? error}`);
  if (backend) console.error(`--- backend output ---\n${backend.logs().slice(-4000)}`);
  await shutdown(1);
}
