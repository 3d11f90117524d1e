// The demo's own check (npm run demo -- --check) as a test: the demo server in this process,
// every content choice played through the polyfill in headless Chromium, every license mode,
// the browser's own Clear Key, and broken license set-ups whose errors the page must put into
// words. Screenshots go to build/demo-check/. Makes the demo content first if it is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { makeDemoContent } from '../../demo/make_content.js';
import { repoRoot, startDemo } from '../../demo/server.js';
import { runCheck } from '../../demo/check.js';
import { missingPrerequisite } from './harness.js';

const skip = missingPrerequisite();

test('npm run demo -- --check: every content choice and license mode plays; errors are in words', { skip, timeout: 15 * 60 * 1000 }, async () => {
  await makeDemoContent();
  const demo = await startDemo({ port: 0, write: () => {} });
  const lines = [];
  try {
    assert.ok(demo.catalog.entries.length > 0, 'the demo has no content');
    const formats = new Set(demo.catalog.entries.map((e) => e.format));
    const schemes = new Set(demo.catalog.entries.map((e) => e.scheme));
    assert.deepEqual([...formats].sort(), ['dash', 'hls']);
    assert.deepEqual([...schemes].sort(), ['cbcs', 'cenc']);
    const result = await runCheck({
      url: demo.url,
      outDir: path.join(repoRoot, 'build/demo-check'),
      log: (line) => lines.push(line),
    });
    assert.ok(result.ok, lines.join('\n'));
    // The check covered what the issue lists, not only what happened to be there.
    const ran = result.results.map((r) => r.run);
    for (const mode of ['static', 'server', 'wrapped', 'proxy']) {
      assert.ok(ran.some((r) => r.mode === mode && !r.expect), `no run in license mode ${mode}`);
    }
    assert.ok(ran.filter((r) => r.expect).length >= 3, 'no error runs');
  } finally {
    await demo.close();
  }
});
