// Starts a throw-away anvil chain on 127.0.0.1 (free port) from the @foundry-rs/anvil-linux-amd64 package.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { ROOT } from './paths.mjs';
import { freePort, tail, track, waitFor } from './processes.mjs';

/** Finds the anvil executable inside node_modules/@foundry-rs/anvil-linux-amd64 (or DM3_ANVIL_BIN). */
export function findAnvil() {
  if (process.env.DM3_ANVIL_BIN) return process.env.DM3_ANVIL_BIN;
  const dir = path.join(ROOT, 'node_modules', '@foundry-rs', 'anvil-linux-amd64');
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!existsSync(current)) continue;
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      const info = statSync(full);
      if (info.isDirectory()) stack.push(full);
      else if (entry === 'anvil' && (info.mode & 0o111) !== 0) return full;
    }
  }
  throw new Error(`anvil binary not found under ${dir} (run npm ci)`);
}

/**
 * Starts anvil and waits until it answers JSON-RPC.
 * @returns {{ url: string, port: number, chainId: bigint, provider: JsonRpcProvider, rpc: (method: string, params?: unknown[]) => Promise<unknown>, stop: () => void }}
 */
export async function startAnvil({ chainId = 31337 } = {}) {
  const port = await freePort();
  const child = track(spawn(findAnvil(), ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const url = `http://127.0.0.1:${port}`;
  const rpc = async (method, params = []) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  try {
    await waitFor('anvil', async () => {
      if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}: ${err.text || out.text}`);
      return (await rpc('eth_chainId')) !== undefined;
    }, 30_000, 100);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const provider = new JsonRpcProvider(url, Number(chainId), { staticNetwork: true });
  return {
    url,
    port,
    chainId: BigInt(chainId),
    provider,
    rpc,
    stop: () => {
      provider.destroy();
      child.kill('SIGKILL');
    },
  };
}
