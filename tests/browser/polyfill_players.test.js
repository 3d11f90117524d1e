// Player libraries (npm packages, unchanged) play Clear Key content through the polyfill with
// the browser's native EME removed, getting licenses from the test server's /license.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { missingPrerequisite, setUp } from './harness.js';
import { VECTORS, dashClearKeyHlsPlaylist, dashClearKeyMpd } from './vectors.js';

const skip = missingPrerequisite();
const DASH = VECTORS[0];
const BASE = '/testdata/shaka-player/dash-clearkey/';

describe('player libraries through the polyfill (native EME removed)', { skip }, () => {
  let env;
  before(async () => {
    env = await setUp({
      keys: DASH.keys,
      routes: {
        [`${BASE}clearkey.mpd`]: (req, res) => {
          res.setHeader('Content-Type', 'application/dash+xml');
          res.end(dashClearKeyMpd());
        },
        '/hls/media.m3u8': (req, res) => {
          res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
          res.end(dashClearKeyHlsPlaylist());
        },
      },
    });
  });
  after(async () => { if (env) await env.close(); });

  const cases = {
    shaka: `${BASE}clearkey.mpd`,
    dashjs: `${BASE}clearkey.mpd`,
    hlsjs: '/hls/media.m3u8',
  };
  for (const [name, manifest] of Object.entries(cases)) {
    test(`${name} plays dash-clearkey to the end`, async () => {
      const page = await env.page('/tests/browser/pages/library.html');
      await page.waitForFunction(() => window.pageReady);
      await page.evaluate(() => {
        delete Navigator.prototype.requestMediaKeySystemAccess;
        for (const n of ['MediaKeys', 'MediaKeySession', 'MediaKeySystemAccess', 'MediaKeyStatusMap',
          'MediaKeyMessageEvent', 'MediaEncryptedEvent']) delete window[n];
        delete HTMLMediaElement.prototype.setMediaKeys;
        delete HTMLMediaElement.prototype.mediaKeys;
      });
      assert.equal(await page.evaluate(() => window.wee.install()), true);
      const before = env.server.state.licenseRequests;
      let result;
      try {
        result = await page.evaluate(({ name, manifest }) => window.runPlayer(name, { manifest, licenseUrl: '/license' }),
          { name, manifest });
      } catch (e) {
        const events = await page.evaluate(() => window.events).catch(() => []);
        throw new Error(`${e.message}\nevents: ${events.join(' | ')}\nlog: ${page.logs.slice(-15).join(' | ')}`);
      }
      assert.equal(result.polyfilled, true);
      assert.equal(result.error, null);
      assert.ok(result.end > 19, `ended at ${result.end}`);
      assert.ok(env.server.state.licenseRequests > before, 'no license request reached the server');
    });
  }
});
