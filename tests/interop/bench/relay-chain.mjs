// `bench relay`: one anvil chain with the ENS registry and an OffchainResolver per parent (support/lsp-env.mjs), for
// backends the bench starts itself. Config {parents: [{parent, url, signer}]}; prints
// {"ready":true,"rpc","registry","chainId","resolvers":{parent: address}} on its first line; stdin closing stops anvil.
import { readFileSync } from 'node:fs';
import { startEnsChain } from '../support/lsp-env.mjs';

const config = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--config-file') + 1], 'utf8'));
const { anvil, chain, parent } = await startEnsChain();
const resolvers = {};
for (const p of config.parents) resolvers[p.parent] = await parent(p.parent, p.url, p.signer);
process.stdout.write(JSON.stringify({ ready: true, ...chain, resolvers }) + '\n');
process.stdin.on('end', () => {
  anvil.stop();
  process.exit(0);
});
process.stdin.resume();
