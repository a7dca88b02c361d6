// Starts our backend (functions/Dm3.Host, built by `dotnet build`) standalone on a free port, configured only through
// environment variables, and waits for GET /health. Reusable by any interop test (resolver, gateway, delivery service).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { freePort, tail, track, waitFor } from './processes.mjs';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * The Azurite connection string: endpoints from DM3_AZURITE_CONNECTION_STRING (or DM3_TEST_TABLE_ENDPOINT /
 * DM3_TEST_QUEUE_ENDPOINT, or Azurite's default ports), always with the well-known account key.
 */
export function azuriteConnectionString() {
  const fromEnv = Object.fromEntries((process.env.DM3_AZURITE_CONNECTION_STRING ?? '')
    .split(';').filter((p) => p.includes('=')).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const table = fromEnv.TableEndpoint ?? process.env.DM3_TEST_TABLE_ENDPOINT ?? `http://127.0.0.1:10002/${AZURITE_ACCOUNT}`;
  const queue = fromEnv.QueueEndpoint ?? process.env.DM3_TEST_QUEUE_ENDPOINT ?? `http://127.0.0.1:10001/${AZURITE_ACCOUNT}`;
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${table};QueueEndpoint=${queue};`;
}

/** Throw-away service keys in the formats the backend reads (never use these outside tests). */
export function testKeys() {
  return {
    DeliveryService__EncryptionPrivateKey: randomBytes(32).toString('base64'),
    DeliveryService__SigningPrivateKey: randomBytes(32).toString('base64'),
    DeliveryService__TokenSecret: randomBytes(32).toString('base64'),
    Auth__TokenSecret: randomBytes(32).toString('base64'),
    Links__OwnerIndexKey: randomBytes(32).toString('base64'),
  };
}

/**
 * Starts the backend. `env` adds or overrides settings (e.g. Apps__0__ParentName, Gateway__SignerPrivateKey).
 * Storage is Azurite with a unique table and queue prefix; dev keys are off, so pass every key (see testKeys()).
 * @returns {Promise<{ url: string, port: number, health: object, logs: () => string, stop: () => Promise<void> }>}
 */
export async function startBackend(env = {}) {
  const dll = process.env.DM3_HOST_DLL ?? path.join(ROOT, 'functions', 'Dm3.Host', 'bin', 'Debug', 'net10.0', 'Dm3.Host.dll');
  if (!existsSync(dll)) throw new Error(`${dll} is missing: run dotnet build first`);
  // A caller that must know the URL before start-up (e.g. to put it into a contract) passes ASPNETCORE_URLS itself.
  const url = env.ASPNETCORE_URLS ?? `http://127.0.0.1:${await freePort()}`;
  const port = Number(new URL(url).port);
  const suffix = randomBytes(4).toString('hex');
  const workDir = mkdtempSync(path.join(tmpdir(), 'dm3-backend-'));
  // The start command itself lives in scripts/lib.sh (exec_backend), the one place to change how a backend starts.
  const child = track(spawn('bash', ['-c', `source "${path.join(ROOT, 'scripts', 'lib.sh')}" && exec_backend`], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? workDir,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      DM3_HOST_DLL: dll,
      ASPNETCORE_URLS: url,
      Storage__ConnectionString: azuriteConnectionString(),
      Storage__TablePrefix: `e2e${suffix}`,
      Storage__QueuePrefix: `e2e${suffix}-`,
      Queues__PumpEnabled: 'false',
      DevKeys__Enabled: 'false',
      PublicBaseUrl: url,
      ...env,
    },
  }));
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const logs = () => `${out.text}\n${err.text}`;
  let health;
  try {
    health = await waitFor('backend /health', async () => {
      if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}:\n${logs()}`);
      const response = await fetch(`${url}/health`);
      return response.status === 200 ? await response.json() : undefined;
    }, 90_000, 250);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
    throw new Error(`${error.message}\n--- backend output ---\n${logs()}`);
  }
  return {
    url,
    port,
    health,
    logs,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
