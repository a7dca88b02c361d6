// Child-process bookkeeping for interop tests: every process started here is killed when the test file ends,
// also when it fails or the runner is interrupted. Only processes we started are touched (by pid).
import { createServer } from 'node:net';

const children = new Set();

export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll() {
  for (const child of children) {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { killAll(); process.exit(130); });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; rejects with `what` and the last error. */
export async function waitFor(what, probe, timeoutMs = 60_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`);
}

/** Keeps the last `max` characters of a stream's output (for failure messages). */
export function tail(stream, max = 20_000) {
  const buffer = { text: '' };
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer.text = (buffer.text + chunk).slice(-max);
  });
  return buffer;
}
