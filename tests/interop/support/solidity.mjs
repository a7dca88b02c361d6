// Compiles the test-only contracts under support/contracts with solc-js, installed on first use into a git-ignored
// cache (.artifacts/npm-tools) with a pinned version — not an npm dependency of the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './paths.mjs';

const TOOLS = path.join(ROOT, '.artifacts', 'npm-tools');
const SOLC = 'solc@0.8.37';

/**
 * Installs one pinned npm tool into its own prefix .artifacts/npm-tools/<name>@<version> (once; a shared prefix would let
 * `npm install --no-save` prune the other tools) and returns a require() rooted there.
 */
export function toolRequire(spec) {
  const prefix = path.join(TOOLS, spec.replace('/', '+'));
  const name = spec.slice(0, spec.lastIndexOf('@'));
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(path.join(prefix, 'node_modules', name, 'package.json'))) {
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--silent', spec],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  }
  return createRequire(path.join(prefix, 'node_modules', 'index.js'));
}

/** `{ abi, bytecode }` of a contract in support/contracts/<file>. */
export function compile(file, contractName) {
  const solc = toolRequire(SOLC)('solc');
  // Every file of support/contracts is a source, so contracts can import each other ("./SignedAnswer.sol").
  const dir = path.join(ROOT, 'tests', 'interop', 'support', 'contracts');
  const sources = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.sol'))
    .map((f) => [f, { content: readFileSync(path.join(dir, f), 'utf8') }]));
  const input = {
    language: 'Solidity',
    sources,
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[file][contractName];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/** Imports an ES module of a pinned npm tool installed into .artifacts/npm-tools (see toolRequire). */
export async function toolImport(spec) {
  const name = spec.slice(0, spec.lastIndexOf('@'));
  const manifest = toolRequire(spec).resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  const entry = pkg.exports?.['.']?.import;
  const file = (typeof entry === 'string' ? entry : entry?.default) ?? pkg.module ?? pkg.main;
  return import(pathToFileURL(path.join(path.dirname(manifest), file)).href);
}
