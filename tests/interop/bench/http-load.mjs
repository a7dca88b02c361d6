// HTTP load generator for `bench gateway` (tests/Dm3.Bench/Gateway): autocannon 8 with our own latency collection
// (autocannon's histogram has 1 ms resolution; we keep every response time at µs precision).
//
// Usage: node tests/interop/bench/http-load.mjs --config-file <path>
// config:
//   {"url": "http://127.0.0.1:5000", "connections": 1, "seconds": 3, "warmUpSeconds": 1, "amount": null,
//    "source": {...}}
// sources:
//   {"kind": "ccip", "template": "/ccip/{sender}/{data}.json", "sender": "0x…", "names": ["…"],
//    "mode": "hit" | "miss", "tag": "abcde", "hitKey": "network.dm3.profile"}
//      hit:  every request is the same URL: text(names[0], hitKey) — after the first, a cache hit;
//      miss: request i asks text(names[i % n], "bench-<tag><i in base 36>"): never the same calldata twice for one
//            tag (pass the same tag twice to replay the same sequence, e.g. to count hits after misses).
// With "amount", exactly that many requests are sent (no warm-up, no duration). Unless "probe": false, one request is
// sent first on its own and must answer 200 {"data":"0x…"} (a benchmark of a broken path is worthless).
// Prints one stdout line: {"requests","seconds","rps","p50","p90","p99","max","mean","non2xx","errors","statuses","sample"}
// (latencies in ms, 2xx responses only; "sample" = status and first bytes of one non-2xx answer, if any).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Interface, dnsEncode, namehash, toUtf8Bytes, hexlify } from 'ethers';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const args = process.argv.slice(2);
const configPath = args[args.indexOf('--config-file') + 1];
if (!args.includes('--config-file') || !configPath) {
  console.error('usage: http-load.mjs --config-file <path>');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));

// ---- request sources --------------------------------------------------------------------------------------------
const resolverAbi = new Interface(['function resolve(bytes name, bytes data)', 'function text(bytes32 node, string key)']);

function ccipCalldata(name, key) {
  const inner = resolverAbi.encodeFunctionData('text', [namehash(name), key]);
  return resolverAbi.encodeFunctionData('resolve', [dnsEncode(name), inner]);
}

function ccipSource(source) {
  const pathFor = (data) => source.template.replace('{sender}', source.sender.toLowerCase()).replace('{data}', data);
  if (source.mode === 'hit') {
    const path = pathFor(ccipCalldata(source.names[0], source.hitKey ?? 'network.dm3.profile'));
    return { paths: [path], next: () => path, describe: '1 URL repeated' };
  }
  // Keys have a fixed length, so the calldata of each name is a template with the key's bytes at a fixed place.
  const tag = (source.tag ?? Math.random().toString(36).slice(2, 7)).padEnd(5, '0').slice(0, 5);
  const placeholder = 'zzzzzzz';
  const placeholderHex = hexlify(toUtf8Bytes(`bench-${tag}${placeholder}`)).slice(2);
  const templates = source.names.map((name) => {
    const full = pathFor(ccipCalldata(name, `bench-${tag}${placeholder}`));
    const at = full.lastIndexOf(placeholderHex);
    if (at < 0) throw new Error('placeholder not found in calldata');
    const tagHex = hexlify(toUtf8Bytes(`bench-${tag}`)).slice(2);
    return { before: full.slice(0, at) + tagHex, after: full.slice(at + placeholderHex.length) };
  });
  let i = 0;
  const next = () => {
    const t = templates[i % templates.length];
    const counter = i.toString(36).padStart(placeholder.length, '0');
    i += 1;
    return t.before + Buffer.from(counter, 'latin1').toString('hex') + t.after;
  };
  return { next, describe: `distinct calldata per request over ${templates.length} names` };
}

// ---- running ----------------------------------------------------------------------------------------------------
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function run(options, source, { record }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = {};
    let sample;
    const requests = [{ method: 'GET', setupRequest: (req) => ({ ...req, path: source.state.next() }) }];
    const instance = autocannon({
      url: config.url,
      connections: options.connections,
      pipelining: 1,
      timeout: 30,
      requests,
      ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
    }, (error, result) => {
      if (error) {
        reject(error);
        return;
      }
      latencies.sort((a, b) => a - b);
      const ok = latencies.length;
      const seconds = result.duration;
      resolve({
        requests: result.requests.total,
        ok,
        seconds,
        rps: ok / seconds,
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.length ? latencies[latencies.length - 1] : null,
        mean: ok ? latencies.reduce((a, b) => a + b, 0) / ok : null,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        statuses,
        sample,
      });
    });
    instance.on('response', (client, statusCode, resBytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        if (record) latencies.push(responseTime);
      }
    });
    instance.on('body', () => {});
    instance.on('reqError', (error) => {
      sample ??= `error: ${error.message}`;
    });
  });
}

async function probeNon2xx(source) {
  // One request outside the load, so a failure can be reported with its body.
  const response = await fetch(new URL(source.state.next(), config.url));
  const text = await response.text();
  if (response.status !== 200 || !/^\{"data":"0x[0-9a-f]+"\}$/.test(text)) {
    return `status ${response.status}: ${text.slice(0, 300)}`;
  }
  return undefined;
}

const source = config.source;
if (source.kind !== 'ccip') throw new Error(`unknown source kind ${source.kind}`);
source.state = ccipSource(source);

const failure = config.probe === false ? undefined : await probeNon2xx(source);
if (failure) {
  process.stdout.write(`${JSON.stringify({ error: `the first request failed: ${failure}` })}\n`);
  process.exit(1);
}
if (!config.amount && config.warmUpSeconds > 0) {
  await run({ connections: config.connections, seconds: config.warmUpSeconds }, source, { record: false });
}
const result = await run({ connections: config.connections, seconds: config.seconds, amount: config.amount }, source, { record: true });
if (result.non2xx > 0 && !result.sample) {
  const again = await fetch(new URL(source.state.next(), config.url));
  result.sample = `status ${again.status}: ${(await again.text()).slice(0, 300)}`;
}
result.source = source.state.describe;
process.stdout.write(`${JSON.stringify(result)}\n`);
