#!/usr/bin/env node
// npm run demo (scripts/demo.sh runs the set-up first): starts the demo server and prints its
// URL; with --check, plays every content choice in headless Chromium and exits with the result.
//
//   node demo/main.js [--port N] [--host H] [--check] [--out DIR] [--verbose]
import { parseArgs } from 'node:util';
import path from 'node:path';
import { repoRoot, startDemo } from './server.js';

const usage = `usage: npm run demo -- [--port N] [--host ADDRESS] [--check] [--out DIR] [--verbose]
  --port N       listen port (default 8080, or a free one if 8080 is taken; 0 = any free port)
  --host ADDRESS listen address (default 127.0.0.1)
  --check        play every content choice in headless Chromium, save screenshots, exit 0 or 1
  --out DIR      where --check saves screenshots (default build/demo-check)
  --verbose      print the license servers' request logs (JSON lines)`;

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' }, host: { type: 'string' }, check: { type: 'boolean' },
        out: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`demo: ${e.message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) {
    console.error(`demo: --port '${values.port}' is not a port number`);
    return 2;
  }
  const demo = await startDemo({
    port: values.port === undefined ? (values.check ? 0 : 8080) : Number(values.port),
    strictPort: values.port !== undefined,
    host: values.host,
    logLevel: values.verbose ? 'info' : 'warn',
  });
  if (!demo.catalog.entries.length) {
    console.error('demo: no content to play: content/demo/ is empty (run scripts/demo.sh, which makes it with the packager)');
  }
  if (values.check) {
    const { runCheck } = await import('./check.js');
    try {
      const result = await runCheck({
        url: demo.url,
        outDir: path.resolve(values.out || path.join(repoRoot, 'build/demo-check')),
        log: (line) => console.log(line),
      });
      return result.ok ? 0 : 1;
    } finally {
      await demo.close();
    }
  }
  console.log(`\nwasm-eme demo: open ${demo.url}/demo/\n(${demo.catalog.entries.length} content choices; Ctrl-C stops the server)\n`);
  await new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await demo.close();
  return 0;
}

process.exitCode = await main();
