// The demo's headless check (npm run demo -- --check, tests/browser/demo_check.test.js): opens
// the page in Debian's Chromium (playwright-core, never a downloaded browser), plays every
// content choice for a few seconds through the polyfill, every license mode once, and the
// browser's own Clear Key once where it has one; saves a screenshot of each run.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.WEE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required', '--mute-audio'];

/**
 * The runs: each content choice with the license server; the other license modes on one
 * DASH and one HLS choice; the browser's own Clear Key once; and three broken license set-ups
 * whose errors the page must put into words.
 */
export function planRuns(entries, { url, native = true, errors = true } = {}) {
  // Key rotation plays past every key change (a new key every 2 s, 4 keys).
  const runs = entries.map((e) => ({ content: e.id, mode: 'server', engine: 'polyfill', seconds: e.keyLayout === 'rotation' ? 7 : undefined }));
  const dash = entries.find((e) => e.format === 'dash');
  const hls = entries.find((e) => e.format === 'hls');
  for (const e of [dash, hls].filter(Boolean)) {
    for (const mode of ['static', 'wrapped', 'proxy']) runs.push({ content: e.id, mode, engine: 'polyfill' });
  }
  if (native && dash) runs.push({ content: dash.id, mode: 'server', engine: 'native' });
  if (errors && dash && url) {
    const broken = (template, expect, name) => ({ content: dash.id, mode: 'wrapped', engine: 'polyfill', template, expect, name });
    runs.push(
      // The license server gets base64 instead of JSON: 400 with its reason, in the page.
      broken(`${url}/license||b{SSM}|R`, /license request to \/license failed with HTTP 400: license request: .*malformed-request/, 'error-http-400'),
      // No entitlement token for the proxy: 401.
      broken(`${url}/proxy||R{SSM}|R`, /failed with HTTP 401: no credentials.*missing-credentials/, 'error-no-token'),
      // The template looks for a JSON member the answer does not have.
      broken(`${url}/license||R{SSM}|JB[license]`, /Reading the response failed: .*license/, 'error-unwrap'),
    );
  }
  return runs;
}

/** The keys (of `keys`, {kidHex: keyHex}) that appear in `text` as hex, base64 or base64url. */
export function leakedKeys(text, keys) {
  const found = [];
  for (const key of Object.values(keys)) {
    const bytes = Buffer.from(key, 'hex');
    const forms = [key, key.toUpperCase(), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')];
    if (forms.some((f) => text.includes(f))) found.push(`${key.slice(0, 4)}…`);
  }
  return found;
}

/** What a run must show to pass; returns a list of failures (empty = pass). */
function judge(run, s, playSeconds) {
  const failures = [];
  if (run.expect) {
    if (!s.errors.some((e) => run.expect.test(e))) failures.push(`no error matching ${run.expect} on the page (errors: ${s.errors.join(' | ') || 'none'})`);
    return failures;
  }
  if (s.errors.length) failures.push(`errors on the page: ${s.errors.join(' | ')}`);
  if (!(s.currentTime >= playSeconds)) failures.push(`played only ${s.currentTime.toFixed(2)} s`);
  if (!s.keysUsable) failures.push('no session reported a usable key');
  if (run.engine === 'polyfill') {
    if (!s.polyfillKeys) failures.push('the video element does not use the polyfill\'s MediaKeys');
    if (!s.segments) failures.push('no segment went through the polyfill\'s decryptor');
  } else if (s.polyfillKeys) {
    failures.push('native run used the polyfill');
  }
  if (run.mode !== 'static' && !s.licenseResponses) failures.push('no license response was logged');
  return failures;
}

/**
 * Runs the check against a running demo server. Options: url (the server), outDir
 * (screenshots), log(line), runs (default planRuns(catalog)), playSeconds (3), timeoutMs per
 * run (45000). Resolves to {ok, results: [{run, ok, failures, state, screenshot}]}.
 */
export async function runCheck({ url, outDir, log = () => {}, runs, playSeconds = 3, timeoutMs = 45000 }) {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (set WEE_CHROMIUM)`);
  await mkdir(outDir, { recursive: true });
  const catalog = await (await fetch(`${url}/demo/api/catalog`)).json();
  runs = runs || planRuns(catalog.entries, { url });
  if (!catalog.entries.length) {
    log('FAIL no content to play (content/demo/ is empty and ../shared/testdata is missing)');
    return { ok: false, results: [] };
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const results = [];
  try {
    let nativeAvailable = true;
    for (const run of runs) {
      if (run.engine === 'native' && !nativeAvailable) continue;
      const name = run.name || `${run.content}_${run.mode}_${run.engine}`;
      const context = await browser.newContext({ viewport: { width: 1280, height: 960 } });
      const page = await context.newPage();
      const messages = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
      const query = new URLSearchParams({ content: run.content, mode: run.mode, engine: run.engine, autoplay: '1' });
      if (run.template) query.set('template', run.template);
      const started = Date.now();
      let s;
      try {
        await page.goto(`${url}/demo/?${query}`);
        await page.waitForFunction((seconds) => {
          const d = window.demo;
          const v = document.getElementById('video');
          return d && (d.errors.length > 0 || (v.currentTime >= seconds && d.sessions.some((x) => x.statuses.some((k) => k.status === 'usable'))));
        }, run.seconds || playSeconds, { timeout: timeoutMs, polling: 100 });
      } catch (e) {
        messages.push(`wait: ${e.message.split('\n')[0]}`);
      }
      s = await page.evaluate(() => {
        const d = window.demo || { errors: ['the page did not start'], sessions: [], segments: [], licenseLog: [] };
        const v = document.getElementById('video');
        v.pause();
        return {
          errors: d.errors,
          currentTime: v.currentTime,
          nativeClearKey: !document.getElementById('native-note')?.textContent,
          polyfillKeys: d.usingPolyfillKeys ? d.usingPolyfillKeys() : false,
          segments: d.segments.length,
          decryptedBytes: d.segments.reduce((n, x) => n + x.outBytes, 0),
          decryptMs: d.segments.reduce((n, x) => n + x.ms, 0),
          keysUsable: d.sessions.some((x) => x.statuses.some((k) => k.status === 'usable')),
          sessions: d.sessions.map((x) => ({ id: x.id, statuses: x.statuses })),
          licenseResponses: d.licenseLog.filter((l) => l.dir === '←' && l.status === 200).length,
          licenseLog: d.licenseLog.map((l) => `${l.dir} ${l.label}${l.status ? ` ${l.status}` : ''}`),
          logText: document.getElementById('license-log').textContent + JSON.stringify(d.licenseLog),
        };
      }).catch((e) => ({ errors: [`cannot read the page: ${e.message}`], currentTime: 0, sessions: [], licenseLog: [] }));
      if (run.engine === 'native' && !s.nativeClearKey) {
        nativeAvailable = false;
        log(`skip ${name}: this Chromium has no Clear Key of its own`);
        await context.close();
        continue;
      }
      const screenshot = path.join(outDir, `${name}.png`);
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
      await context.close();
      const failures = judge(run, s, run.seconds || playSeconds);
      const leaked = leakedKeys(s.logText || '', catalog.entries.find((e) => e.id === run.content)?.keys || {});
      if (leaked.length) failures.push(`the license log shows keys: ${leaked.join(', ')}`);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = failures.length === 0;
      results.push({ run, ok, failures, state: s, screenshot, console: messages });
      const mbps = s.decryptMs > 0 ? ` at ${(s.decryptedBytes / 1e6 / (s.decryptMs / 1e3)).toFixed(1)} MB/s` : '';
      const what = run.expect ? `the page says "${s.errors[0] || 'nothing'}"`
        : `played ${s.currentTime.toFixed(1)} s, ${s.segments} decrypt calls${mbps}, ${s.licenseResponses} license responses`;
      log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${what} (${seconds} s) -> ${path.relative(process.cwd(), screenshot)}`);
      if (!ok) {
        for (const f of failures) log(`       ${f}`);
        for (const l of s.licenseLog || []) log(`       license log: ${l}`);
        for (const c of messages.slice(-8)) log(`       console ${c}`);
      }
    }
  } finally {
    await browser.close();
  }
  const ok = results.length > 0 && results.every((r) => r.ok);
  log(`${ok ? 'demo check passed' : 'demo check FAILED'}: ${results.filter((r) => r.ok).length}/${results.length} runs; screenshots in ${outDir}`);
  return { ok, results };
}
