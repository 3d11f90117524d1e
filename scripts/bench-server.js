#!/usr/bin/env node
// Load test of `wasm-eme serve` on loopback: a bounded number of requests per scenario,
// printing requests/s and p50/p99 latency for license issuance and for proxying.
//
//   node scripts/bench-server.js [--requests 3000] [--connections 32]
//
// The server under test and a fake upstream license server run in their own processes, so
// the load generator (this process, keep-alive connections) does not share their event loop.
// Only 127.0.0.1 is used. No assertions: the numbers depend on the machine.
import { spawn } from 'node:child_process';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    requests: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '32' },
    upstream: { type: 'string' },
    'com-key': { type: 'string' },
  },
});

const KID = '4060a865-8878-4267-9cbf-91ae5bae1e72';
const KEY = 'fc35340837310cc0fb53de97e22a69e0';

// ---- child roles ----------------------------------------------------------------------
if (values.role === 'upstream') {
  const license = randomBytes(900);  // about a Widevine license
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(license);
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
  process.on('SIGTERM', () => process.exit(0));
} else if (values.role === 'server') {
  const { createServer } = await import('../js/src/node/server/index.js');
  const server = createServer({
    auth: { type: 'entitlement', communicationKey: values['com-key'] },
    license: { keys: { [KID]: KEY } },
    proxy: [{ path: '/proxy', upstream: values.upstream }],
    limits: { rateLimit: false },
    log: { level: 'warn' },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
} else {
  await orchestrate();
}

// ---- load generator -------------------------------------------------------------------
function startChild(args) {
  const child = spawn(process.execPath, [self, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        try {
          resolve({ child, port: JSON.parse(line).port });
        } catch (e) {
          reject(new Error(`child said: ${line}`));
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited with ${code}`)));
  });
}

/** An Axinom-style entitlement token (HS256) for KID, valid for an hour. */
function makeToken(comKey) {
  const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const cipher = createCipheriv('aes-256-cbc', comKey, Buffer.from(KID.replace(/-/g, ''), 'hex')).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(Buffer.from(KEY, 'hex')), cipher.final()]).toString('base64');
  const payload = {
    version: 1, com_key_id: '6e5a1d26-2757-47d7-8046-eaa5d1d34b5a', exp: Math.floor(Date.now() / 1000) + 3600,
    message: { type: 'entitlement_message', version: 2, content_keys_source: { inline: [{ id: KID, encrypted_key: encrypted }] } },
  };
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', comKey).update(input).digest('base64url')}`;
}

function once1(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(url, { headers, body, requests, connections }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = new Map();
  let issued = 0;
  const worker = async () => {
    while (issued < requests) {
      issued++;
      const { status, ms } = await once1(agent, url, headers, body);
      latencies.push(ms);
      statuses.set(status, (statuses.get(status) || 0) + 1);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { rps: requests / seconds, p50: pct(50), p99: pct(99), statuses: Object.fromEntries(statuses) };
}

async function orchestrate() {
  const requests = Number(values.requests);
  const connections = Number(values.connections);
  if (!(requests > 0 && requests <= 1e6 && connections > 0 && connections <= 1024)) {
    throw new Error('--requests must be 1..1000000 and --connections 1..1024');
  }
  const comKey = randomBytes(32);
  const upstream = await startChild(['--role', 'upstream']);
  const server = await startChild(['--role', 'server', '--upstream', `http://127.0.0.1:${upstream.port}/license`,
    '--com-key', comKey.toString('hex')]);
  const base = `http://127.0.0.1:${server.port}`;
  const token = makeToken(comKey);
  const scenarios = [
    ['license: token + JWK Set', `${base}/license`, { 'Content-Type': 'application/json', 'X-AxDRM-Message': token },
      JSON.stringify({ kids: [Buffer.from(KID.replace(/-/g, ''), 'hex').toString('base64url')], type: 'temporary' })],
    ['proxy: token + upstream', `${base}/proxy`, { 'Content-Type': 'application/octet-stream', 'X-AxDRM-Message': token },
      randomBytes(1500)],
  ];
  const rows = [];
  try {
    for (const [name, url, headers, body] of scenarios) {
      await run(url, { headers, body, requests: Math.min(200, requests), connections });  // warm-up
      const r = await run(url, { headers, body, requests, connections });
      const bad = Object.keys(r.statuses).filter((s) => s !== '200');
      if (bad.length) throw new Error(`${name}: unexpected statuses ${JSON.stringify(r.statuses)}`);
      rows.push([name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2)]);
    }
  } finally {
    for (const { child } of [server, upstream]) {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  console.log(`wasm-eme serve on loopback: ${requests} requests per scenario, ${connections} keep-alive connections, node ${process.version}`);
  // A Markdown table, like the other steps of npm run bench.
  const line = (cells) => `| ${cells.join(' | ')} |`;
  console.log(`\n${line(['scenario', 'requests/s', 'p50 ms', 'p99 ms'])}\n|---|---:|---:|---:|`);
  for (const row of rows) console.log(line(row));
}
