// The Linked Profiles demo (issue 12), run by `./dev run` after the dm3 flows of scripts/demo.mjs (or alone:
// `node scripts/lsp-demo.mjs` with Azurite running): one anvil chain with ENS and an OffchainResolver per parent,
// backend A (myapp.eth) and backend B (main.eth), then `dm3 demo` tells steps 1–8 against them. Needs `dotnet build`
// of Dm3.App and Dm3.Cli. Stops only what it started.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLspEnvironment, CLI_DLL, DOMAIN, URI } from '../tests/interop/support/lsp-env.mjs';
import { killAll } from '../tests/interop/support/processes.mjs';

const step = (text) => console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);

/** Runs the story; resolves true when `dm3 demo` succeeded. */
export async function runLspDemo() {
  let env;
  try {
    step('Linked Profiles: anvil + ENS with an OffchainResolver for myapp.eth and for main.eth, backends A and B');
    env = await startLspEnvironment({ log: (line) => console.log(`  ${line}`) });
    step('dm3 demo: the story of issue 12, steps 1–8');
    const code = await new Promise((resolve) => {
      const child = spawn('dotnet', [CLI_DLL, 'demo', '--backend-a', env.a.url, '--backend-b', env.b.url, '--domain', DOMAIN, '--uri', URI,
        ...env.cliArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => process.stdout.write(chunk));
      child.stderr.on('data', (chunk) => process.stdout.write(chunk));
      child.on('close', (exitCode, signal) => resolve(exitCode ?? signal));
    });
    if (code !== 0) throw new Error(`dm3 demo exited with ${code}`);
    return true;
  } catch (error) {
    console.log(`\n✖ ${error.stack ?? error}`);
    if (env) console.log(`--- backend A ---\n${env.a.logs().slice(-3000)}\n--- backend B ---\n${env.b.logs().slice(-3000)}`);
    return false;
  } finally {
    await env?.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ok = await runLspDemo();
  killAll();
  process.exitCode = ok ? 0 : 1;
}
