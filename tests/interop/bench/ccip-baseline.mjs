// Baseline for `bench gateway` (tests/Dm3.Bench/Gateway): a minimal CCIP-Read gateway on the same stack as the ENS
// reference gateway (@chainlink/ccip-read-server 0.2.1 on express, ethers 5 SigningKey signing every answer), written
// for this benchmark. Per request it does the reference's work: decode resolve(bytes name, bytes data), decode the
// inner text/addr query, look the record up in an in-memory map, ABI-encode the result, hash the EIP-3668 response
// digest (0x1900 ‖ target ‖ expires ‖ keccak(request) ‖ keccak(result)), sign it and answer {"data": …}.
//
// Usage: node tests/interop/bench/ccip-baseline.mjs --config-file <path>
//   config: {"port": 0, "signerPrivateKey": "0x…", "ttlSeconds": 300,
//            "records": [{"name": "…", "address": "0x…", "texts": {"key": "value"}}]}
// Prints one stdout line {"ready":true,"url":"http://127.0.0.1:<port>","runtime":…} once listening.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Server } = require('@chainlink/ccip-read-server');
// ethers 5 as installed for ccip-read-server (the root package is ethers 6).
const { ethers } = createRequire(require.resolve('@chainlink/ccip-read-server'))('ethers');
const { utils } = ethers;

const args = process.argv.slice(2);
const configPath = args[args.indexOf('--config-file') + 1];
if (!args.includes('--config-file') || !configPath) {
  console.error('usage: ccip-baseline.mjs --config-file <path>');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const ttlSeconds = config.ttlSeconds ?? 300;
const signingKey = new utils.SigningKey(config.signerPrivateKey);

// name (lower case) -> { address, texts }
const records = new Map(config.records.map((r) => [r.name.toLowerCase(), { address: r.address, texts: r.texts ?? {} }]));

const recordQueries = new utils.Interface([
  'function addr(bytes32 node) view returns (address)',
  'function addr(bytes32 node, uint256 coinType) view returns (bytes)',
  'function text(bytes32 node, string key) view returns (string)',
]);
const coder = utils.defaultAbiCoder;

/** DNS wire format (length-prefixed labels) to a dotted name. */
function dnsDecode(bytes) {
  const labels = [];
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i];
    if (length === 0) return labels.join('.');
    labels.push(utils.toUtf8String(bytes.subarray(i + 1, i + 1 + length)));
    i += 1 + length;
  }
  throw new Error('unterminated DNS name');
}

function answer(name, query) {
  const record = records.get(name);
  switch (query.signature) {
    case 'addr(bytes32)':
      return coder.encode(['address'], [record?.address ?? ethers.constants.AddressZero]);
    case 'addr(bytes32,uint256)':
      return coder.encode(['bytes'], [query.args[1].eq(60) && record ? record.address : '0x']);
    case 'text(bytes32,string)':
      return coder.encode(['string'], [record?.texts[query.args[1]] ?? '']);
    default:
      throw new Error(`unsupported query ${query.signature}`);
  }
}

const server = new Server();
server.add(['function resolve(bytes name, bytes data) view returns (bytes result, uint64 expires, bytes sig)'], [{
  type: 'resolve',
  func: ([encodedName, data], request) => {
    const name = dnsDecode(utils.arrayify(encodedName));
    const query = recordQueries.parseTransaction({ data });
    if (query.args[0] !== utils.namehash(name)) throw new Error('node does not match the name');
    const result = answer(name.toLowerCase(), query);
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    const digest = utils.keccak256(utils.solidityPack(
      ['bytes', 'address', 'uint64', 'bytes32', 'bytes32'],
      ['0x1900', request.to, expires, utils.keccak256(request.data), utils.keccak256(result)],
    ));
    const signature = utils.joinSignature(signingKey.signDigest(digest));
    return [result, expires, signature];
  },
}]);

const app = server.makeApp('/');
const listener = app.listen(config.port ?? 0, '127.0.0.1', () => {
  const { port } = listener.address();
  const runtime = `node ${process.versions.node}, @chainlink/ccip-read-server ${require('@chainlink/ccip-read-server/package.json').version}, ethers ${ethers.version}`;
  process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}`, runtime })}\n`);
});
process.stdin.on('end', () => listener.close(() => process.exit(0)));
process.stdin.resume();
