// Helpers of the server tests (tests/js/server*.test.js): a real redis-server on a free
// loopback port, a fake upstream license server, and small HTTP request helpers.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server --port <free> --save ''`; resolves {url, port, stop()}. */
export async function startRedis() {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 100; i++) {
      if (/Ready to accept connections/.test(output)) {
        return {
          port,
          url: `redis://127.0.0.1:${port}`,
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        };
      }
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error('could not start redis-server');
}

/** One HTTP request: resolves {status, headers, body (Buffer), json (or undefined)}. */
export function request(url, { method = 'POST', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        let json;
        try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A fake upstream license server. `handler(req, body, res)` decides each answer; every
 * request is recorded in `requests` ({method, url, headers, body}).
 */
export async function startUpstream(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, remotePort: req.socket.remotePort });
      handler(req, body, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A logger that keeps the JSON lines it is given. */
export function memoryLogger() {
  const lines = [];
  const make = (level) => (msg, fields = {}) => lines.push(JSON.parse(JSON.stringify({ level, msg, ...fields })));
  return { lines, debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
