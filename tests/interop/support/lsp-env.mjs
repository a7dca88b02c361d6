// The Linked Profiles environment: one anvil chain with the ENS registry and an OffchainResolver per app parent,
// backend A serving the app `myapp.eth` (component domain app.myapp.example, dApp domain dapp.example.com) and backend
// B serving main profiles under `main.eth`. Both resolve foreign names through the chain (Resolution__RpcUrl) and pump
// their delivery queues. Used by `./dev run` (scripts/lsp-demo.mjs) and tests/interop/lsp-client.test.mjs.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { ContractFactory, Wallet, ZeroHash, id, namehash } from 'ethers';
import { startAnvil } from './anvil.mjs';
import { loadEnsArtifacts } from './ens-contracts.mjs';
import { startBackend, testKeys } from './backend.mjs';
import { freePort } from './processes.mjs';
import { ROOT } from './paths.mjs';

export const APP = 'myapp.eth';
export const MAIN_APP = 'main.eth';
export const DOMAIN = 'app.myapp.example';
export const URI = 'https://app.myapp.example/messaging';
export const DAPP_DOMAIN = 'dapp.example.com';
export const CLI_DLL = process.env.DM3_CLI_DLL ?? path.join(ROOT, 'functions', 'Dm3.Cli', 'bin', 'Debug', 'net10.0', 'dm3.dll');

/**
 * Starts anvil with the ENS registry (`eth` owned by the first anvil account); `parent(name, gatewayUrl, signerAddress)`
 * gives `name` (a direct child of `eth`) an OffchainResolver whose CCIP gateway is `${gatewayUrl}/ccip` and returns its address.
 */
export async function startEnsChain() {
  const artifacts = loadEnsArtifacts();
  const anvil = await startAnvil();
  const deployer = await anvil.provider.getSigner(0);
  const owner = await deployer.getAddress();
  const registry = await new ContractFactory(artifacts.ENSRegistry.abi, artifacts.ENSRegistry.bytecode, deployer).deploy();
  await registry.waitForDeployment();
  const registryAddress = await registry.getAddress();
  await (await registry.setSubnodeOwner(ZeroHash, id('eth'), owner)).wait();
  const chain = { rpc: anvil.url, registry: registryAddress, chainId: Number(anvil.chainId) };
  const parent = async (name, gatewayUrl, signerAddress) => {
    await (await registry.setSubnodeOwner(namehash('eth'), id(name.split('.')[0]), owner)).wait();
    const resolver = await new ContractFactory(artifacts.OffchainResolver.abi, artifacts.OffchainResolver.bytecode, deployer)
      .deploy(`${gatewayUrl}/ccip/{sender}/{data}.json`, [signerAddress]);
    await resolver.waitForDeployment();
    await (await registry.setResolver(namehash(name), await resolver.getAddress())).wait();
    return resolver.getAddress();
  };
  return { anvil, chain, parent };
}

export async function startLspEnvironment({ log = () => {} } = {}) {
  const { anvil, chain, parent: deployParent } = await startEnsChain();
  const registryAddress = chain.registry;

  const backends = {};
  for (const [key, parent, appEnv] of [
    ['a', APP, {
      Apps__0__Domains__0__Host: DOMAIN,
      Apps__0__Domains__0__UriPrefixes__0: URI,
      Apps__0__Domains__0__Scopes__0: 'query',
      Apps__0__Domains__0__Scopes__1: 'register',
      Apps__0__Domains__0__Scopes__2: 'escrow',
      Apps__0__Domains__0__Scopes__3: 'delete',
      Apps__0__Domains__1__Host: DAPP_DOMAIN,
      Apps__0__Domains__1__Scopes__0: 'query',
      Apps__0__Domains__1__Scopes__1: 'register',
    }],
    ['b', MAIN_APP, {
      Apps__0__Domains__0__Host: 'main.example',
      Apps__0__Domains__0__Scopes__0: 'register',
    }],
  ]) {
    const signer = Wallet.createRandom();
    const url = `http://127.0.0.1:${await freePort()}`;
    const resolverAddress = await deployParent(parent, url, signer.address);
    log(`${parent}: OffchainResolver ${resolverAddress} → ${url}/ccip`);
    backends[key] = await startBackend({
      ...testKeys(),
      // Dev keys only for the local escrow wrapping key (an RSA-3072 PEM next to this file; decisions §25).
      DevKeys__Enabled: 'true',
      DevKeys__Path: path.join(mkdtempSync(path.join(tmpdir(), 'dm3-lsp-keys-')), 'dev-keys.json'),
      ASPNETCORE_URLS: url,
      PublicBaseUrl: url,
      Gateway__SignerPrivateKey: signer.privateKey,
      Gateway__Resolvers__0__Address: resolverAddress,
      Gateway__Resolvers__0__Family: 'ens',
      Apps__0__ParentName: parent,
      Apps__0__ChainIds__0: String(chain.chainId),
      ...appEnv,
      Resolution__RpcUrl: anvil.url,
      Resolution__Registry: registryAddress,
      Outbound__AllowHttp: 'true',
      Outbound__AllowPrivateAddresses: 'true',
      Queues__PumpEnabled: 'true',
      Queues__MaxPollingInterval: '00:00:00.1',
    });
    log(`backend ${key.toUpperCase()} (${parent}) on ${url}`);
  }

  const cliArgs = ['--rpc', chain.rpc, '--ens-registry', chain.registry, '--allow-local'];
  /** Runs the dm3 CLI; returns {code, stdout, stderr, json}. */
  const cli = async (args, { keyfile, env = {} } = {}) => {
    try {
      const { stdout, stderr } = await promisify(execFile)('dotnet', [CLI_DLL, ...args, ...(keyfile ? ['--keyfile', keyfile] : [])], {
        env: { ...process.env, DM3_RPC_URL: chain.rpc, DM3_ENS_REGISTRY: chain.registry, DM3_ALLOW_LOCAL: '1', ...env },
        maxBuffer: 4 << 20,
      });
      return { code: 0, stdout, stderr, json: parse(stdout) };
    } catch (error) {
      return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '', json: parse(error.stdout ?? '') };
    }
  };

  return {
    anvil,
    chain,
    a: backends.a,
    b: backends.b,
    cli,
    cliArgs,
    stop: async () => {
      await backends.a?.stop();
      await backends.b?.stop();
      anvil.stop();
    },
  };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
