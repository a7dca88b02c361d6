// Compiles the test-only contracts under support/contracts with solc-js, installed on first use into a git-ignored
// cache (.artifacts/npm-tools) with a pinned version — not an npm dependency of the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './paths.mjs';

const TOOLS = path.join(ROOT, '.artifacts', 'npm-tools');
const SOLC = 'solc@0.8.37';

/** Installs pinned npm tools into .artifacts/npm-tools (once) and returns a require() rooted there. */
export function toolRequire(...specs) {
  mkdirSync(TOOLS, { recursive: true });
  const missing = specs.filter((spec) => !existsSync(path.join(TOOLS, 'node_modules', spec.slice(0, spec.lastIndexOf('@')), 'package.json')));
  if (missing.length > 0) {
    execFileSync('npm', ['install', '--prefix', TOOLS, '--no-save', '--no-audit', '--no-fund', '--silent', ...missing],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  }
  return createRequire(path.join(TOOLS, 'node_modules', 'index.js'));
}

/** `{ abi, bytecode }` of a contract in support/contracts/<file>. */
export function compile(file, contractName) {
  const solc = toolRequire(SOLC)('solc');
  const source = readFileSync(path.join(ROOT, 'tests', 'interop', 'support', 'contracts', file), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[file][contractName];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
