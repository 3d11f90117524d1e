// The engines other than Chromium, behind the small page API the tests use (evaluate, waitForFunction,
// locator(selector).screenshot(), logs, context().close(), close()):
// - webkitgtk: Debian's WebKitWebDriver driving MiniBrowser (Safari's engine) in an Xvfb display,
//   through a minimal W3C WebDriver client (no EME at all in Debian's build; MSE is there);
// - firefox: Debian's firefox-esr over WebDriver BiDi through puppeteer-core (native Clear Key).
// Never a downloaded browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const WEBKIT_DRIVER = process.env.WEE_WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.WEE_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const FIREFOX = process.env.WEE_FIREFOX || '/usr/bin/firefox-esr';

/** Why the engine cannot start here, or false. */
export function missingEngine(engine) {
  if (engine === 'webkitgtk') {
    for (const f of [WEBKIT_DRIVER, MINIBROWSER, '/usr/bin/Xvfb']) if (!existsSync(f)) return `no ${f} (run npm run setup)`;
    return false;
  }
  if (engine === 'firefox') return existsSync(FIREFOX) ? false : `no browser at ${FIREFOX} (run npm run setup)`;
  return `unknown WEE_ENGINE ${engine}`;
}

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function kill(child) {
  if (child && child.exitCode === null && child.signalCode === null) {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
  }
}

/** An Xvfb display of its own (-displayfd picks a free number); resolves to {display, close()}. */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    x.stderr.on('data', (d) => { err += d; });
    x.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, close: () => kill(x) });
    });
    x.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${err}`)));
  });
}

// Runs the page function with its argument; always answers through the WebDriver callback with
// {ok, value | error, logs}, draining the console messages captured since the last call.
const EVAL = `const [src, arg, done] = arguments;
const logs = () => (window.__weeLogs || []).splice(0);
let p;
try { p = Promise.resolve((0, eval)('(' + src + ')')(arg)); } catch (e) { p = Promise.reject(e); }
p.then((v) => {
  let value = null;
  try { if (v !== undefined) value = JSON.parse(JSON.stringify(v)); } catch {}
  done({ ok: true, value, undef: v === undefined, logs: logs() });
}, (e) => done({ ok: false, error: e && e.stack ? e.name + ': ' + e.message + '\\n' + e.stack : String(e), logs: logs() }));`;

// Console capture, installed after each navigation (classic WebDriver has no log events, so
// what the page logs before its load event is not seen).
const CAPTURE = `if (!window.__weeLogs) {
  window.__weeLogs = [];
  for (const type of ['log', 'info', 'warn', 'error', 'debug']) {
    const orig = console[type].bind(console);
    console[type] = (...a) => { window.__weeLogs.push(type + ': ' + a.map(String).join(' ')); orig(...a); };
  }
  window.addEventListener('error', (e) => window.__weeLogs.push('pageerror: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => window.__weeLogs.push('pageerror: ' + (e.reason && e.reason.message || e.reason)));
}`;

/** WebKitGTK through WebKitWebDriver: one session, one window per page. */
export async function launchWebKit() {
  const xvfb = await startXvfb();
  const port = await freePort();
  let driverLog = '';
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  driver.stdout.on('data', (d) => { driverLog = (driverLog + d).slice(-4000); });
  driver.stderr.on('data', (d) => { driverLog = (driverLog + d).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(base + path, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  const closeAll = () => { kill(driver); xvfb.close(); };
  // Detached (to kill their process groups), so they would outlive a test process that dies.
  process.once('exit', closeAll);
  let session;
  try {
    for (let i = 0; ; i++) {
      try { await call('GET', '/status'); break; } catch (e) {
        if (i > 100 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${e.message} ${driverLog}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    ({ sessionId: session } = await call('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
          timeouts: { script: 300000, pageLoad: 60000 },
        },
      },
    }));
  } catch (e) {
    closeAll();
    throw e;
  }
  const s = (path) => `/session/${session}${path}`;
  // Commands of different pages must not interleave: each switches to its window first.
  let queue = Promise.resolve();
  let current = null;
  const inWindow = (handle, fn) => {
    const run = queue.then(async () => {
      if (handle && current !== handle) { await call('POST', s('/window'), { handle }); current = handle; }
      return fn();
    });
    queue = run.catch(() => {});
    return run;
  };

  return {
    async newPage(url, { width, height }) {
      const { handle } = await inWindow(null, () => call('POST', s('/window/new'), { type: 'window' }));
      const logs = [];
      let closed = false;
      const page = {
        logs,
        async evaluate(fn, arg) {
          const src = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
          const r = await inWindow(handle, () => call('POST', s('/execute/async'), { script: EVAL, args: [src, arg ?? null] }));
          logs.push(...r.logs);
          if (!r.ok) throw new Error(r.error);
          return r.undef ? undefined : r.value;
        },
        async waitForFunction(fn, arg, { timeout = 30000 } = {}) {
          const deadline = Date.now() + timeout;
          for (;;) {
            const v = await page.evaluate(fn, arg);
            if (v) return v;
            if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        locator(selector) {
          return {
            screenshot: () => inWindow(handle, async () => {
              const el = await call('POST', s('/element'), { using: 'css selector', value: selector });
              const id = Object.values(el)[0]; // the web element reference
              return Buffer.from(await call('GET', s(`/element/${id}/screenshot`)), 'base64');
            }),
          };
        },
        context: () => ({ close: () => page.close() }),
        async close() {
          if (closed) return;
          closed = true;
          await inWindow(handle, () => call('DELETE', s('/window')));
          current = null;
        },
      };
      await inWindow(handle, async () => {
        await call('POST', s('/window/rect'), { width, height });
        await call('POST', s('/url'), { url });
        await call('POST', s('/execute/sync'), { script: CAPTURE, args: [] });
      });
      return page;
    },
    async close() {
      await call('DELETE', s('')).catch(() => {});
      closeAll();
    },
  };
}

/** Firefox ESR over WebDriver BiDi (puppeteer-core): one browser, one user context per page. */
export async function launchFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true,
    extraPrefsFirefox: { 'media.autoplay.default': 0, 'media.eme.enabled': true },
  });
  return {
    async newPage(url, { width, height }) {
      const context = await browser.createBrowserContext();
      const p = await context.newPage();
      const logs = [];
      p.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      p.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await p.setViewport({ width, height });
      await p.goto(url);
      return {
        logs,
        evaluate: (fn, arg) => p.evaluate(fn, arg),
        waitForFunction: (fn, arg, { timeout = 30000 } = {}) => p.waitForFunction(fn, { timeout, polling: 100 }, arg),
        locator: (selector) => ({
          screenshot: async () => Buffer.from(await (await p.$(selector)).screenshot()),
        }),
        context: () => ({ close: () => context.close() }),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
