// Tearing a playback down while the polyfill holds an append (waiting for a key, or still
// decrypting): the page must see what the native Clear Key path gives it - no unhandled
// promise rejection, no error event, the same events on each target in the same order, the
// same states afterwards. (The interleaving of events of different targets follows the
// browser's task sources, which a page cannot rely on; it is not compared.)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { missingPrerequisite, setUp } from './harness.js';
import { VECTORS } from './vectors.js';

const skip = missingPrerequisite();
const DASH = VECTORS[0];

describe('polyfill teardown', { skip }, () => {
  let env;
  before(async () => { env = await setUp({ keys: DASH.keys }); });
  after(async () => { if (env) await env.close(); });

  // mode: 'native' (Chromium's Clear Key), 'polyfill' (install({force: true}), worker or not).
  async function run(mode, how, { worker = true, key = false } = {}) {
    const p = await env.page();
    await p.waitForFunction(() => window.pageReady);
    if (mode === 'polyfill') assert.equal(await p.evaluate((w) => window.wee.install({ force: true, worker: w }), worker), true);
    const r = await p.evaluate(async ({ DASH, how, key }) => {
      const { fetchBytes, startSession } = window.helpers;
      const seen = [];
      window.addEventListener('unhandledrejection', (e) => seen.push(`unhandledrejection:${e.reason && e.reason.name}`));
      window.addEventListener('error', (e) => seen.push(`window-error:${e.message}`));
      const video = document.getElementById('v');
      for (const t of ['error', 'emptied', 'abort']) video.addEventListener(t, () => seen.push(`video:${t}`));
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        initDataTypes: ['keyids'], videoCapabilities: [{ contentType: DASH.mime }],
      }]);
      const mediaKeys = await access.createMediaKeys();
      await video.setMediaKeys(mediaKeys);
      if (key) {
        const kids = new TextEncoder().encode(JSON.stringify({ kids: DASH.keyIds.map(window.b64url) }));
        const session = await startSession(mediaKeys, {}, 'keyids', kids);
        if (![...session.keyStatuses.values()].includes('usable')) await window.once(session, 'keystatuseschange');
      }
      const ms = new MediaSource();
      video.src = URL.createObjectURL(ms);
      await window.once(ms, 'sourceopen');
      ms.addEventListener('sourceclose', () => seen.push('ms:sourceclose'));
      const sb = ms.addSourceBuffer(DASH.mime);
      for (const t of ['updatestart', 'update', 'updateend', 'abort', 'error']) sb.addEventListener(t, () => seen.push(`sb:${t}`));
      const segs = await Promise.all(DASH.segments.slice(0, 3).map(fetchBytes));
      await new Promise((resolve) => { sb.addEventListener('updateend', resolve, { once: true }); sb.appendBuffer(segs[0]); });
      seen.length = 0;
      // Without a key the media segment's append waits for ever; with one it is decrypting.
      // Either way, tear down while it is pending.
      sb.appendBuffer(segs[1]);
      if (how === 'src-empty') video.src = '';
      else if (how === 'remove-attribute') { video.removeAttribute('src'); video.load(); }
      else if (how === 'set-media-keys-null') await video.setMediaKeys(null).catch((e) => seen.push(`setMediaKeys:${e.name}`));
      await new Promise((r) => setTimeout(r, 500));
      let later;
      try { sb.appendBuffer(segs[2]); later = 'ok'; } catch (e) { later = e.name; }
      await new Promise((r) => setTimeout(r, 300));
      return { seen, msState: ms.readyState, later, videoError: video.error && video.error.code };
    }, { DASH, how, key });
    await p.context().close();
    const byTarget = {};
    for (const e of r.seen) {
      const target = e.split(':')[0];
      (byTarget[target] = byTarget[target] || []).push(e);
    }
    return { ...r, seen: byTarget };
  }

  for (const key of [false, true]) {
    for (const how of ['src-empty', 'remove-attribute']) {
      test(`video ${how} while an append ${key ? 'is decrypting' : 'waits for its key'}: as native`, async () => {
        const native = await run('native', how, { key });
        // The native run must show the teardown itself, or the comparison proves nothing.
        assert.deepEqual(native.seen.ms, ['ms:sourceclose'], JSON.stringify(native));
        for (const worker of [true, false]) {
          const poly = await run('polyfill', how, { worker, key });
          assert.deepEqual(poly, native, `worker ${worker}`);
        }
      });
    }
  }
});
