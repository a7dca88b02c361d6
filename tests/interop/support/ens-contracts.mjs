// Compiled ENS contracts for end-to-end tests, obtained with `npm pack` into a git-ignored cache
// (.artifacts/npm-pack) and extracted with tar. They are NOT npm dependencies (their dependency trees are huge).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';

const CACHE = path.join(ROOT, '.artifacts', 'npm-pack');
const PACKAGES = {
  offchainResolver: '@ensdomains/offchain-resolver-contracts@0.2.1',
  ens: '@ensdomains/ens@0.6.2',
  resolver: '@ensdomains/resolver@0.3.1',
};

function tarballName(spec) {
  // @scope/name@version -> scope-name-version.tgz (npm pack's naming)
  const at = spec.lastIndexOf('@');
  return `${spec.slice(1, at).replace('/', '-')}-${spec.slice(at + 1)}.tgz`;
}

function extracted(spec) {
  mkdirSync(CACHE, { recursive: true });
  const tgz = path.join(CACHE, tarballName(spec));
  if (!existsSync(tgz)) {
    execFileSync('npm', ['pack', spec, '--pack-destination', CACHE, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  }
  const dir = path.join(CACHE, tarballName(spec).replace(/\.tgz$/, ''));
  if (!existsSync(path.join(dir, 'package', 'package.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', tgz, '-C', dir], { timeout: 60_000 });
  }
  return path.join(dir, 'package');
}

function findFile(dir, fileName) {
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop();
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name === fileName) return full;
    }
  }
  throw new Error(`${fileName} not found in ${dir}`);
}

function artifact(dir, fileName) {
  const json = JSON.parse(readFileSync(findFile(dir, fileName), 'utf8'));
  const bytecode = typeof json.bytecode === 'string' ? json.bytecode : json.bytecode?.object;
  if (!Array.isArray(json.abi) || !bytecode || bytecode === '0x') throw new Error(`${fileName} has no abi/bytecode`);
  return { abi: json.abi, bytecode: bytecode.startsWith('0x') ? bytecode : `0x${bytecode}` };
}

/** `{ ENSRegistry, OffchainResolver }`, each `{ abi, bytecode }`. */
export function loadEnsArtifacts() {
  return {
    ENSRegistry: artifact(extracted(PACKAGES.ens), 'ENSRegistry.json'),
    OffchainResolver: artifact(extracted(PACKAGES.offchainResolver), 'OffchainResolver.json'),
  };
}

/** PublicResolver of @ensdomains/resolver 0.3.1 (`constructor(ENS ens)`), `{ abi, bytecode }`. */
export function loadPublicResolverArtifact() {
  return artifact(extracted(PACKAGES.resolver), 'PublicResolver.json');
}
