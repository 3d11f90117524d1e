// Spec behaviour of the polyfill in Chromium, modelled on what the W3C encrypted-media tests
// check for Clear Key: configuration negotiation, event order, key statuses after
// update/close/remove, disallowed input and its error types, a session unusable after close,
// waitingforkey then resumed playback, abort() of a waiting append, two videos, switching
// MediaKeys, bad media and bad licenses, install()/uninstall().
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingPrerequisite, setUp } from './harness.js';
import { VECTORS } from './vectors.js';
import { testdataDir } from '../js/testdata.js';
import { withAbsoluteBaseOffsets } from '../js/base_offset_rewrite.js';

const skip = missingPrerequisite();
const DASH = VECTORS[0];
const KID = '4060a865887842679cbf91ae5bae1e72';

describe('polyfill spec behaviour', { skip }, () => {
  let env;
  before(async () => { env = await setUp({ keys: DASH.keys }); });
  after(async () => { if (env) await env.close(); });

  async function page(options = { force: true }) {
    const p = await env.page();
    await p.waitForFunction(() => window.pageReady);
    if (options.removeNative) await p.evaluate(() => window.removeNativeEme());
    assert.equal(await p.evaluate((o) => window.wee.install(o), options), true);
    return p;
  }

  test('install() is idempotent and uninstall() restores every descriptor', async () => {
    const p = await env.page();
    await p.waitForFunction(() => window.pageReady);
    const result = await p.evaluate(async () => {
      const names = [
        [Navigator.prototype, 'requestMediaKeySystemAccess'], [HTMLMediaElement.prototype, 'setMediaKeys'],
        [HTMLMediaElement.prototype, 'mediaKeys'], [HTMLMediaElement.prototype, 'src'],
        [MediaSource.prototype, 'addSourceBuffer'], [SourceBuffer.prototype, 'appendBuffer'],
        [SourceBuffer.prototype, 'updating'], [SourceBuffer.prototype, 'abort'], [URL, 'createObjectURL'],
      ];
      const snap = () => names.map(([o, n]) => {
        const d = Object.getOwnPropertyDescriptor(o, n);
        return d && [d.value, d.get, d.set, d.writable, d.enumerable, d.configurable];
      });
      const before = snap();
      const plain = await window.wee.install();  // Chromium's Clear Key works: nothing to do
      const first = await window.wee.install({ force: true });
      const second = await window.wee.install({ force: true });
      const during = snap();
      window.wee.uninstall();
      window.wee.uninstall();
      const afterwards = snap();
      const same = (a, b) => a.every((x, i) => (x === undefined ? b[i] === undefined
        : x.every((v, j) => v === b[i][j])));
      return {
        plain, first, second, installed: window.wee.isInstalled(),
        changed: !same(before, during), restored: same(before, afterwards),
      };
    });
    assert.deepEqual(result, { plain: false, first: true, second: true, installed: false, changed: true, restored: true });
  });

  test('requestMediaKeySystemAccess negotiates like the spec', async () => {
    const p = await page();
    const r = await p.evaluate(async () => {
      const rmksa = (configs, ks = 'org.w3.clearkey') => navigator.requestMediaKeySystemAccess(ks, configs)
        .then((a) => a, (e) => e.name);
      const video = [{ contentType: 'video/mp4; codecs="avc1.640015"' }];
      const access = await rmksa([{
        label: 'l1', initDataTypes: ['webm', 'cenc', 'keyids', 'bogus'], videoCapabilities: video,
        distinctiveIdentifier: 'optional', persistentState: 'optional',
      }]);
      return {
        isPolyfill: access instanceof window.wee.MediaKeySystemAccess,
        keySystem: access.keySystem,
        config: access.getConfiguration(),
        emptyKeySystem: await rmksa([{ videoCapabilities: video }], ''),
        noConfigs: await rmksa([]),
        distinctiveRequired: await rmksa([{ videoCapabilities: video, distinctiveIdentifier: 'required' }]),
        robustness: await rmksa([{ videoCapabilities: [{ ...video[0], robustness: 'SW_SECURE_CRYPTO' }] }]),
        noCapabilities: await rmksa([{ initDataTypes: ['cenc'] }]),
        emptyContentType: await rmksa([{ videoCapabilities: [{ contentType: '' }] }]),
        unplayable: await rmksa([{ videoCapabilities: [{ contentType: 'video/mp4; codecs="nope"' }] }]),
        onlyBogus: await rmksa([{ initDataTypes: ['bogus'], videoCapabilities: video }]),
        cbcs: (await rmksa([{ videoCapabilities: [{ ...video[0], encryptionScheme: 'cbcs' }] }])).getConfiguration().videoCapabilities[0].encryptionScheme,
        badScheme: await rmksa([{ videoCapabilities: [{ ...video[0], encryptionScheme: 'cens' }] }]),
        secondWins: (await rmksa([{ videoCapabilities: [{ contentType: '' }], label: 'a' }, { videoCapabilities: video, label: 'b' }])
          .catch((e) => e)).getConfiguration?.().label,
        persistent: (await rmksa([{ videoCapabilities: video, sessionTypes: ['persistent-license'] }])).getConfiguration().persistentState,
        persistentNotAllowed: await rmksa([{ videoCapabilities: video, sessionTypes: ['persistent-license'], persistentState: 'not-allowed' }]),
        otherKeySystem: await rmksa([{ videoCapabilities: video }], 'com.example.none'),
      };
    });
    assert.equal(r.isPolyfill, true);
    assert.equal(r.keySystem, 'org.w3.clearkey');
    assert.deepEqual(r.config, {
      label: 'l1', initDataTypes: ['webm', 'cenc', 'keyids'], audioCapabilities: [],
      videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"', encryptionScheme: null, robustness: '' }],
      distinctiveIdentifier: 'not-allowed', persistentState: 'not-allowed', sessionTypes: ['temporary'],
    });
    assert.equal(r.emptyKeySystem, 'TypeError');
    assert.equal(r.noConfigs, 'TypeError');
    for (const k of ['distinctiveRequired', 'robustness', 'noCapabilities', 'emptyContentType', 'unplayable',
      'onlyBogus', 'badScheme', 'persistentNotAllowed', 'otherKeySystem']) {
      assert.equal(r[k], 'NotSupportedError', k);
    }
    assert.equal(r.cbcs, 'cbcs');
    assert.equal(r.secondWins, 'b');
    assert.equal(r.persistent, 'required');
  });

  test('session events, key statuses, close and remove', async () => {
    const p = await page();
    const r = await p.evaluate(async (KID) => {
      const order = [];
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        initDataTypes: ['keyids'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"' }],
      }]);
      const mk = await access.createMediaKeys();
      const session = mk.createSession();
      const initial = { sessionId: session.sessionId, expiration: session.expiration, size: session.keyStatuses.size };
      session.closed.then((reason) => order.push(`closed:${reason}`));
      let message;
      session.onmessage = (e) => {
        order.push(`message:${e.messageType}:${e instanceof window.MediaKeyMessageEvent}`);
        message = JSON.parse(new TextDecoder().decode(e.message));
      };
      session.addEventListener('keystatuseschange', () => {
        const s = [];
        session.keyStatuses.forEach((status, kid) => s.push(`${window.hex(kid)}=${status}`));
        order.push(`keystatuseschange:${s.join(',')}`);
      });
      const otherKid = 'ffeeddccbbaa99887766554433221100';
      const initData = new TextEncoder().encode(JSON.stringify({ kids: [window.b64url(KID), window.b64url(otherKid)] }));
      await session.generateRequest('keyids', initData);
      order.push('generateRequest-resolved');
      const sessionId = session.sessionId;
      await new Promise((r) => setTimeout(r, 50));
      const response = await window.helpers.license(new TextEncoder().encode(JSON.stringify(message)));
      await session.update(response);
      order.push('update-resolved');
      await new Promise((r) => setTimeout(r, 50));
      const kid = Uint8Array.from(KID.match(/../g), (h) => parseInt(h, 16));
      const statuses = {
        size: session.keyStatuses.size, has: session.keyStatuses.has(kid), get: session.keyStatuses.get(kid),
        getDataView: session.keyStatuses.get(new DataView(kid.buffer)),
        missing: session.keyStatuses.get(kid.subarray(1)),
        keys: [...session.keyStatuses.keys()].map(window.hex),
      };
      const removed = await session.remove().then(() => 'ok', (e) => e.name);
      await new Promise((r) => setTimeout(r, 50));
      const afterRemove = [...session.keyStatuses.values()];
      await session.close();
      order.push('close-resolved');
      await new Promise((r) => setTimeout(r, 50));
      const afterClose = {
        size: session.keyStatuses.size,
        update: await session.update(response).then(() => 'ok', (e) => e.name),
        generateRequest: await session.generateRequest('keyids', initData).then(() => 'ok', (e) => e.name),
        remove: await session.remove().then(() => 'ok', (e) => e.name),
        closeAgain: await session.close().then(() => 'ok', (e) => e.name),
      };
      return { initial, sessionId, message, order, statuses, removed, afterRemove, afterClose };
    }, KID);
    assert.deepEqual(r.initial, { sessionId: '', expiration: NaN, size: 0 });
    assert.notEqual(r.sessionId, '');
    assert.equal(r.message.kids.length, 2);
    assert.equal(r.message.type, 'temporary');
    assert.deepEqual(r.order, [
      'generateRequest-resolved',
      'message:license-request:true',
      'update-resolved',
      `keystatuseschange:${KID}=usable`,
      `keystatuseschange:${KID}=released`,
      'closed:closed-by-application',
      'close-resolved',
      'keystatuseschange:',
    ]);
    assert.deepEqual(r.statuses, { size: 1, has: true, get: 'usable', getDataView: 'usable', missing: undefined, keys: [KID] });
    assert.equal(r.removed, 'ok');
    assert.ok(r.afterRemove.every((s) => s === 'released'), `after remove: ${r.afterRemove}`);
    assert.deepEqual(r.afterClose, { size: 0, update: 'InvalidStateError', generateRequest: 'InvalidStateError', remove: 'InvalidStateError', closeAgain: 'ok' });
  });

  test('generateRequest() and update() reject disallowed input with the spec error types', async () => {
    const p = await page({ removeNative: true });
    const r = await p.evaluate(async (KID) => {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        initDataTypes: ['cenc', 'keyids'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"' }],
      }]);
      const mk = await access.createMediaKeys();
      const name = (promise) => promise.then(() => 'ok', (e) => e.name);
      const gen = (type, data) => name(mk.createSession().generateRequest(type, data));
      const keyids = new TextEncoder().encode(JSON.stringify({ kids: [window.b64url(KID)] }));
      // A 'pssh' of another system only (the Widevine box of the dash-clearkey MPD).
      const widevine = Uint8Array.from(atob('AAAAXHBzc2gAAAAA7e+LqXnWSs6jyCfc1R0h7QAAADwSEEBgqGWIeEJnnL+RrluuHnISEEBgqGWIeEJnnL+RrluuHnISEEBgqGWIeEJnnL+RrluuHnJI49yVmwY='), (c) => c.charCodeAt(0));
      const out = {
        emptyType: await gen('', keyids),
        emptyData: await gen('keyids', new Uint8Array(0)),
        notBuffer: await gen('keyids', 'text'),
        unknownType: await gen('bogus', keyids),
        badJson: await gen('keyids', new TextEncoder().encode('{"kids":')),
        otherPssh: await gen('cenc', widevine),
        createBadType: (() => { try { mk.createSession('bogus'); return 'ok'; } catch (e) { return e.name; } })(),
        createPersistent: (() => { try { mk.createSession('persistent-license'); return 'ok'; } catch (e) { return e.name; } })(),
        certificate: await mk.setServerCertificate(new Uint8Array([1, 2, 3])),
        emptyCertificate: await name(mk.setServerCertificate(new Uint8Array(0))),
        policy: await mk.getStatusForPolicy({ minHdcpVersion: '1.0' }),
      };
      const fresh = mk.createSession();
      out.updateBeforeRequest = await name(fresh.update(new TextEncoder().encode('{}')));
      out.closeBeforeRequest = await name(fresh.close());
      const session = mk.createSession();
      await session.generateRequest('keyids', keyids);
      out.updateEmpty = await name(session.update(new Uint8Array(0)));
      out.updateNotJson = await name(session.update(new TextEncoder().encode('not json')));
      out.updateNonAscii = await name(session.update(new TextEncoder().encode('{"keys":[{"kty":"oct","kid":"ü","k":"ü"}]}')));
      out.secondRequest = await name(session.generateRequest('keyids', keyids));
      // A bad license leaves the session usable: a good one still works.
      const good = await window.helpers.license(keyids);
      out.goodAfterBad = await name(session.update(good));
      await new Promise((r) => setTimeout(r, 20));
      out.status = [...session.keyStatuses.values()];
      return out;
    }, KID);
    assert.deepEqual(r, {
      emptyType: 'TypeError', emptyData: 'TypeError', notBuffer: 'TypeError', unknownType: 'NotSupportedError',
      badJson: 'TypeError', otherPssh: 'NotSupportedError', createBadType: 'TypeError',
      createPersistent: 'NotSupportedError', certificate: false, emptyCertificate: 'TypeError', policy: 'usable',
      updateBeforeRequest: 'InvalidStateError', closeBeforeRequest: 'InvalidStateError',
      updateEmpty: 'TypeError', updateNotJson: 'TypeError', updateNonAscii: 'TypeError',
      secondRequest: 'InvalidStateError', goodAfterBad: 'ok', status: ['usable'],
    });
  });

  test('setMediaKeys: one MediaKeys per element, null, switching', async () => {
    const p = await page();
    const r = await p.evaluate(async () => {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"' }],
      }]);
      const [mk1, mk2] = [await access.createMediaKeys(), await access.createMediaKeys()];
      const a = document.createElement('video');
      const b = document.createElement('video');
      const name = (promise) => promise.then(() => 'ok', (e) => e.name);
      const out = {};
      out.first = await name(a.setMediaKeys(mk1));
      out.same = await name(a.setMediaKeys(mk1));
      out.inUse = await name(b.setMediaKeys(mk1));
      out.aKeys = a.mediaKeys === mk1;
      out.switch = await name(a.setMediaKeys(mk2));
      out.nowFree = await name(b.setMediaKeys(mk1));
      out.toNull = await name(a.setMediaKeys(null));
      out.aNull = a.mediaKeys === null;
      out.notMediaKeys = await name(a.setMediaKeys({}));
      // While one setMediaKeys() runs, another with different MediaKeys is refused.
      const mk3 = await access.createMediaKeys();
      const p1 = a.setMediaKeys(mk2);
      out.concurrent = await name(a.setMediaKeys(mk3));
      await p1;
      return out;
    });
    assert.deepEqual(r, {
      first: 'ok', same: 'ok', inUse: 'QuotaExceededError', aKeys: true, switch: 'ok', nowFree: 'ok',
      toNull: 'ok', aNull: true, notMediaKeys: 'TypeError', concurrent: 'InvalidStateError',
    });
  });

  for (const worker of [true, false]) {
    test(`waitingforkey holds the append, update() resumes it, abort() ends it (worker: ${worker})`, async () => {
      const p = await page({ force: true, worker });
      const r = await p.evaluate(async ({ DASH, KID }) => {
        const { append, fetchBytes, license } = window.helpers;
        const video = document.getElementById('v');
        const order = [];
        video.addEventListener('encrypted', (e) => order.push(`encrypted:${e.initDataType}`));
        video.addEventListener('waitingforkey', () => order.push('waitingforkey'));
        const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
          initDataTypes: ['keyids'], videoCapabilities: [{ contentType: DASH.mime }],
        }]);
        const mk = await access.createMediaKeys();
        await video.setMediaKeys(mk);
        const ms = new MediaSource();
        video.src = URL.createObjectURL(ms);
        await window.once(ms, 'sourceopen');
        const sb = ms.addSourceBuffer(DASH.mime);
        for (const t of ['updatestart', 'update', 'updateend', 'abort', 'error']) sb.addEventListener(t, () => order.push(t));
        const segs = await Promise.all(DASH.segments.map(fetchBytes));
        await append(sb, segs[0]);
        // The first media segment needs the key: the append waits, with updating true.
        sb.appendBuffer(segs[1]);
        await window.once(video, 'waitingforkey');
        await new Promise((r) => setTimeout(r, 100));
        const waiting = { updating: sb.updating, buffered: sb.buffered.length };
        const appendWhileWaiting = (() => { try { sb.appendBuffer(segs[2]); return 'ok'; } catch (e) { return e.name; } })();
        const offsetWhileWaiting = (() => { try { sb.timestampOffset = 1; return 'ok'; } catch (e) { return e.name; } })();
        // abort(): abort + updateend, updating false, and the SourceBuffer takes appends again.
        sb.abort();
        const afterAbort = sb.updating;
        await window.once(sb, 'updateend');
        order.push('--');
        await append(sb, segs[0]);
        sb.appendBuffer(segs[1]);
        await window.once(video, 'waitingforkey');
        const session = mk.createSession();
        session.onmessage = async (e) => session.update(await license(e.message));
        await session.generateRequest('keyids', new TextEncoder().encode(JSON.stringify({ kids: [window.b64url(KID)] })));
        await window.once(sb, 'updateend');
        for (const s of segs.slice(2)) await append(sb, s);
        ms.endOfStream();
        video.playbackRate = 4;
        await video.play();
        await window.once(video, 'ended', 30000);
        return { order, waiting, appendWhileWaiting, offsetWhileWaiting, afterAbort, end: video.currentTime, error: video.error };
      }, { DASH, KID });
      assert.deepEqual(r.waiting, { updating: true, buffered: 0 });
      assert.equal(r.appendWhileWaiting, 'InvalidStateError');
      assert.equal(r.offsetWhileWaiting, 'InvalidStateError');
      assert.equal(r.afterAbort, false);
      assert.equal(r.error, null);
      assert.ok(r.end > 19, `ended at ${r.end}`);
      const cut = r.order.indexOf('--');
      assert.deepEqual(r.order.slice(0, cut), [
        'updatestart', 'encrypted:cenc', 'update', 'updateend',
        'updatestart', 'waitingforkey', 'abort', 'updateend',
      ]);
      assert.deepEqual(r.order.slice(cut + 1, cut + 9), [
        'updatestart', 'encrypted:cenc', 'update', 'updateend', 'updatestart', 'waitingforkey', 'update', 'updateend',
      ]);
    });
  }

  test('two videos, each with its own MediaKeys, play', async () => {
    const p = await page();
    const r = await p.evaluate(async ({ DASH }) => {
      const { append, fetchBytes, setUpEme } = window.helpers;
      const run = async () => {
        const video = document.createElement('video');
        video.muted = true;
        document.body.appendChild(video);
        let eme = null;
        video.addEventListener('encrypted', (e) => { eme = eme || setUpEme(video, DASH, e.initDataType, e.initData); });
        const ms = new MediaSource();
        video.src = URL.createObjectURL(ms);
        await window.once(ms, 'sourceopen');
        const sb = ms.addSourceBuffer(DASH.mime);
        for (const url of DASH.segments) await append(sb, await fetchBytes(url));
        ms.endOfStream();
        await eme;
        video.playbackRate = 4;
        await video.play();
        await window.once(video, 'ended', 30000);
        return { end: video.currentTime, mine: video.mediaKeys };
      };
      const [a, b] = await Promise.all([run(), run()]);
      return { ends: [a.end, b.end], distinct: a.mine !== b.mine && !!a.mine && !!b.mine };
    }, { DASH });
    assert.ok(r.ends.every((t) => t > 19), `ended at ${r.ends}`);
    assert.equal(r.distinct, true);
  });

  test('bad media: error then updateend, MediaSource ended with a decode error', async () => {
    const p = await page();
    const r = await p.evaluate(async ({ DASH }) => {
      const { append, fetchBytes, setUpEme } = window.helpers;
      const video = document.getElementById('v');
      let eme = null;
      video.addEventListener('encrypted', (e) => { eme = eme || setUpEme(video, DASH, e.initDataType, e.initData); });
      const ms = new MediaSource();
      video.src = URL.createObjectURL(ms);
      await window.once(ms, 'sourceopen');
      const sb = ms.addSourceBuffer(DASH.mime);
      const order = [];
      for (const t of ['updatestart', 'update', 'updateend', 'error']) sb.addEventListener(t, () => order.push(`${t}:${ms.readyState}`));
      ms.addEventListener('sourceended', () => order.push('sourceended'));
      await append(sb, await fetchBytes(DASH.segments[0]));
      await append(sb, await fetchBytes(DASH.segments[1]));
      await eme;
      // A media segment whose 'senc' claims more samples than the fragment has.
      const seg = await fetchBytes(DASH.segments[2]);
      const i = seg.findIndex((_, k) => seg[k] === 0x73 && seg[k + 1] === 0x65 && seg[k + 2] === 0x6e && seg[k + 3] === 0x63);
      const bad = seg.slice();
      bad[i + 8] = 0x7f;  // sample_count high byte
      let result;
      try { await append(sb, bad); result = 'appended'; } catch { result = 'error'; }
      await new Promise((r) => setTimeout(r, 100));
      return { result, order, readyState: ms.readyState, mediaError: video.error && video.error.code, updating: sb.updating };
    }, { DASH });
    assert.equal(r.result, 'error');
    assert.equal(r.readyState, 'ended');
    assert.equal(r.mediaError, 3);  // MEDIA_ERR_DECODE
    assert.equal(r.updating, false);
    const tail = r.order.slice(-4).map((e) => e.split(':')[0]);
    assert.deepEqual(tail, ['updatestart', 'error', 'updateend', 'sourceended']);
  });

  test('tfhd base-data-offset-present: an append error, as Chromium gives without the polyfill', async () => {
    // The ISO BMFF byte stream format allows only movie-fragment relative addressing; an
    // absolute file position means nothing in a SourceBuffer.
    const segment = withAbsoluteBaseOffsets(readFileSync(join(testdataDir, 'shaka-player/dash-clearkey/video-H264-288-400k_3.m4s')));
    for (const polyfill of [true, false]) {
      let p;
      if (polyfill) {
        p = await page();
      } else {
        p = await env.page();
        await p.waitForFunction(() => window.pageReady);
      }
      const r = await p.evaluate(async ({ DASH, absolute }) => {
        const { append, fetchBytes, setUpEme } = window.helpers;
        const video = document.getElementById('v');
        let eme = null;
        video.addEventListener('encrypted', (e) => { eme = eme || setUpEme(video, DASH, e.initDataType, e.initData); });
        const ms = new MediaSource();
        video.src = URL.createObjectURL(ms);
        await window.once(ms, 'sourceopen');
        const sb = ms.addSourceBuffer(DASH.mime);
        await append(sb, await fetchBytes(DASH.segments[0]));
        await append(sb, await fetchBytes(DASH.segments[1]));
        await eme;
        let result;
        try {
          await append(sb, Uint8Array.from(atob(absolute), (c) => c.charCodeAt(0)));
          result = 'appended';
        } catch {
          result = 'error';
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        const cause = window.weeDebugState(sb)?.lastError;
        return { result, readyState: ms.readyState, mediaError: video.error && video.error.code, cause: cause ? String(cause.message) : null };
      }, { DASH, absolute: segment.bytes.toString('base64') });
      const { cause, ...outcome } = r;
      assert.deepEqual(outcome, { result: 'error', readyState: 'ended', mediaError: 3 }, polyfill ? 'polyfill' : 'Chromium');
      if (polyfill) assert.match(cause, /moof\/traf\[1\]\/tfhd: base-data-offset-present .* not allowed in an MSE byte stream/);
    }
  });
});
