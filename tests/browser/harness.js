// Shared set-up of the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), pages served by ./server.js. WEE_ENGINE=webkitgtk or firefox runs the
// files that support it in another engine (./engines.js) behind the same page API.
import { chromium } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launchFirefox, launchWebKit, missingEngine } from './engines.js';
import { repoRoot, startServer } from './server.js';

export const CHROMIUM = process.env.WEE_CHROMIUM || '/usr/bin/chromium';
export const ENGINE = process.env.WEE_ENGINE || 'chromium';

/**
 * Skips a whole test file (node:test `skip` option value) when the prerequisites are missing,
 * or when WEE_ENGINE is an engine not in `engines` (the files not yet ported run in Chromium only).
 */
export function missingPrerequisite({ engines = ['chromium'] } = {}) {
  if (!engines.includes(ENGINE)) return `runs in ${engines.join(', ')} only, not WEE_ENGINE=${ENGINE}`;
  if (ENGINE !== 'chromium') {
    const missing = missingEngine(ENGINE);
    if (missing) return missing;
  } else if (!existsSync(CHROMIUM)) return `no browser at ${CHROMIUM}`;
  const dist = process.env.WEE_DIST_DIR || path.join(repoRoot, 'dist');
  for (const f of ['wasm_eme.wasm', 'wasm_eme_web.wasm', 'wasm_eme_web_simd.wasm']) {
    if (!existsSync(path.join(dist, f))) return `no ${f} (run npm run build)`;
  }
  const loader = readFileSync(path.join(dist, 'wasm_eme_web.mjs'), 'utf8');
  for (const name of ['_wee_cdm_create', '_wee_stream_push']) {
    if (!loader.includes(name)) return `the wasm module has no ${name} yet`;
  }
  if (!existsSync(path.join(repoRoot, '../shared/testdata/README.md'))) return 'no ../shared/testdata';
  return false;
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
      '--mute-audio'],
  });
}

/**
 * Browser + server for one test file; `page(path)` opens a fresh page with console capture. In
 * the other engines `browser` is null and a page has only evaluate, waitForFunction,
 * locator(selector).screenshot(), logs, context().close() and close().
 */
export async function setUp(serverOptions) {
  const server = await startServer(serverOptions);
  if (ENGINE !== 'chromium') {
    let engine;
    try {
      engine = ENGINE === 'webkitgtk' ? await launchWebKit() : await launchFirefox();
    } catch (e) {
      await server.close();
      throw e;
    }
    const opened = [];
    return {
      server,
      browser: null,
      async page(pagePath = '/tests/browser/pages/player.html', { viewport } = {}) {
        const page = await engine.newPage(server.url + pagePath, viewport || { width: 640, height: 400 });
        opened.push(page);
        return page;
      },
      async close() {
        for (const p of opened) await p.close().catch(() => {});
        await engine.close();
        await server.close();
      },
    };
  }
  const browser = await launch();
  const opened = [];
  return {
    server,
    browser,
    async page(pagePath = '/tests/browser/pages/player.html', { viewport } = {}) {
      const context = await browser.newContext({ viewport: viewport || { width: 640, height: 400 } });
      const page = await context.newPage();
      page.logs = [];
      page.on('console', (m) => page.logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => page.logs.push(`pageerror: ${e.message}`));
      await page.goto(server.url + pagePath);
      opened.push(context);
      return page;
    },
    async close() {
      for (const c of opened) await c.close().catch(() => {});
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A screenshot of the video element once two in a row agree: on a loaded machine the compositor
 * can show a seeked frame a moment after the page reports the seek done, and can keep showing
 * the frame before the seek for a while. With `previous` (the screenshot before the seek; every
 * compared frame differs from the one before it), it also waits, up to 5 s, for the picture to
 * have changed.
 */
export async function stableScreenshot(page, selector = '#v', previous = null) {
  const deadline = Date.now() + 5000;
  let shot = await page.locator(selector).screenshot();
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const again = await page.locator(selector).screenshot();
    const settled = again.equals(shot) && !(previous && again.equals(previous));
    shot = again;
    if (settled || Date.now() > deadline) return shot;
  }
}
