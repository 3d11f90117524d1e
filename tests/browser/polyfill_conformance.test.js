// The polyfill against Chromium's own Clear Key CDM: the same page code runs against the native
// CDM, against the polyfill installed over it ({force: true}) and against the polyfill in a
// browser without EME, and every outcome (value, or the error's class and name) must be the
// native one; where the EME spec is explicit the outcome is also checked against it.
// Pages are cross-origin isolated (the server sends COOP and COEP) so SharedArrayBuffer exists.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { missingPrerequisite, setUp, stableScreenshot } from './harness.js';
import { VECTORS, dashClearKeyMpd } from './vectors.js';

const skip = missingPrerequisite();
const DASH = VECTORS[0];
const KID = Object.keys(DASH.keys)[0];

const MODES = [
  { name: 'native' },
  { name: 'polyfill', options: { force: true } },
  { name: 'polyfill, no native EME', removeNative: true, options: {} },
];

// Page-side helpers, defined in each page before a case runs.
function definePageHelpers() {
  const describe = (e) => (e && typeof e === 'object' ? `${e.constructor.name}:${e.name}` : `thrown:${typeof e}`);
  // 'throws:...' for a synchronous exception, 'rejects:...' for a rejected promise.
  window.outcome = async (f, show = (v) => v) => {
    let result;
    try {
      result = f();
    } catch (e) {
      return `throws:${describe(e)}`;
    }
    if (!(result instanceof Promise)) return `returns:${show(result)}`;
    return result.then((v) => `resolves:${show(v)}`, (e) => `rejects:${describe(e)}`);
  };
  window.encodeJson = (o) => new TextEncoder().encode(JSON.stringify(o));
  window.clearKeyAccess = (initDataTypes = ['cenc', 'keyids', 'webm']) => navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
    initDataTypes, videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.640015"' }],
  }]);
}

describe('polyfill conformance with Chromium\'s Clear Key', { skip }, () => {
  let env;
  before(async () => { env = await setUp({ keys: DASH.keys, crossOriginIsolated: true }); });
  after(async () => { if (env) await env.close(); });

  async function open(mode) {
    const page = await env.page();
    await page.waitForFunction(() => window.pageReady);
    if (mode.removeNative) await page.evaluate(() => window.removeNativeEme());
    if (mode.options) assert.equal(await page.evaluate((o) => window.wee.install(o), mode.options), true);
    await page.evaluate(definePageHelpers);
    return page;
  }

  /** Runs `fn(arg)` in a page of each mode; asserts every polyfill result equals native's. */
  async function sameAsNative(fn, arg) {
    const results = {};
    for (const mode of MODES) {
      const page = await open(mode);
      try {
        results[mode.name] = await page.evaluate(fn, arg);
      } catch (e) {
        throw new Error(`${mode.name}: ${e.message}\nlog: ${page.logs.join(' | ')}`);
      }
    }
    for (const mode of MODES.slice(1)) {
      assert.deepEqual(results[mode.name], results.native, `${mode.name} differs from native`);
    }
    return results.native;
  }

  test('requestMediaKeySystemAccess: only capabilities strictly of their kind (EME 3.1.1.3)', async () => {
    // [kind, contentType]; the outcome is the accepted contentType or the error.
    const CASES = [
      // Supported, to show the checks do not refuse too much.
      ['video', 'video/mp4; codecs="avc1.42E01E"'], ['video', 'video/mp4;codecs="avc1.42E01E"'],
      ['video', 'VIDEO/MP4; CODECS="avc1.42E01E"'], ['video', 'video/mp4; codecs=avc1.42E01E'],
      ['video', 'video/mp4; codecs="av01.0.04M.08"'], ['video', 'video/mp4; codecs="vp09.00.10.08"'],
      ['video', 'video/webm; codecs="vp8"'], ['video', 'video/webm; codecs="vp9"'],
      ['audio', 'audio/mp4; codecs="mp4a.40.2"'], ['audio', 'audio/mp4; codecs="opus"'],
      ['audio', 'audio/mp4; codecs="flac"'], ['audio', 'audio/webm; codecs="vorbis"'],
      ['audio', 'audio/webm; codecs="opus"'],
      // A codec or a type of the other kind.
      ['audio', 'video/mp4; codecs="avc1.42E01E"'], ['audio', 'audio/mp4; codecs="avc1.42E01E"'],
      ['audio', 'video/mp4; codecs="mp4a.40.2"'], ['audio', 'audio/webm; codecs="vp9"'],
      ['video', 'audio/mp4; codecs="mp4a.40.2"'], ['video', 'video/mp4; codecs="mp4a.40.2"'],
      ['video', 'video/webm; codecs="vorbis"'], ['video', 'video/webm; codecs="opus"'],
      ['video', 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"'], ['video', 'video/webm; codecs="vp8,vorbis"'],
      ['audio', 'audio/mp4; codecs="avc1.42E01E,mp4a.40.2"'],
      // Parameters other than codecs, no codecs, containers Clear Key does not take.
      ['video', 'video/mp4; codecs="avc1.42E01E"; foo="bar"'], ['video', 'video/mp4; foo="bar"'],
      ['video', 'video/mp4'], ['audio', 'audio/mp4'], ['video', 'video/webm'], ['video', 'video/mp4; codecs=""'],
      ['video', 'video/mp2t; codecs="avc1.42E01E"'], ['audio', 'audio/mpeg'], ['video', 'text/vtt'],
      ['video', 'video/mp4; codecs="nope"'], ['video', 'video/mp4; codecs="avc1.42E01E'],
    ];
    const r = await sameAsNative(async (cases) => {
      const out = {};
      for (const [kind, contentType] of cases) {
        out[`${kind} ${contentType}`] = await window.outcome(() => navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
          [`${kind}Capabilities`]: [{ contentType }],
        }]), (a) => a.getConfiguration()[`${kind}Capabilities`].map((c) => c.contentType).join(' | '));
      }
      // One bad capability among good ones is dropped; a configuration with none left is
      // skipped for the next.
      out.mixed = await window.outcome(() => navigator.requestMediaKeySystemAccess('org.w3.clearkey', [{
        videoCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }, { contentType: 'video/mp4; codecs="avc1.42E01E"' },
          { contentType: 'video/mp4; codecs="mp4a.40.2"' }],
        audioCapabilities: [{ contentType: 'audio/mp4; codecs="avc1.42E01E"' }, { contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
      }]), (a) => JSON.stringify([a.getConfiguration().videoCapabilities, a.getConfiguration().audioCapabilities].map((l) => l.map((c) => c.contentType))));
      out.next = await window.outcome(() => navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
        { label: 'a', videoCapabilities: [{ contentType: 'video/mp4; codecs="mp4a.40.2"' }] },
        { label: 'b', audioCapabilities: [{ contentType: 'video/webm; codecs="vorbis"' }] },
        { label: 'c', videoCapabilities: [{ contentType: 'video/webm; codecs="vp8"' }] },
      ]), (a) => a.getConfiguration().label);
      return out;
    }, CASES);
    // The spec's own verdicts: each of these is not strictly an audio/video type, or has a
    // parameter other than codecs, so the only configuration is NotSupported.
    for (const [kind, type] of [
      ['audio', 'video/mp4; codecs="avc1.42E01E"'], ['video', 'audio/mp4; codecs="mp4a.40.2"'],
      ['video', 'video/mp4; codecs="mp4a.40.2"'], ['video', 'video/webm; codecs="vorbis"'],
      ['video', 'video/mp4; codecs="avc1.42E01E"; foo="bar"'],
    ]) assert.equal(r[`${kind} ${type}`], 'rejects:DOMException:NotSupportedError', `${kind} ${type}`);
    assert.equal(r['video video/mp4; codecs="avc1.42E01E"'], 'resolves:video/mp4; codecs="avc1.42E01E"');
    assert.equal(r['audio audio/webm; codecs="vorbis"'], 'resolves:audio/webm; codecs="vorbis"');
    assert.equal(r.mixed, 'resolves:[["video/mp4; codecs=\\"avc1.42E01E\\""],["audio/mp4; codecs=\\"mp4a.40.2\\""]]');
    assert.equal(r.next, 'resolves:c');
  });

  test('WebIDL argument errors are TypeErrors, where and as native throws them', async () => {
    const r = await sameAsNative(async () => {
      const { outcome } = window;
      const rmksa = (...args) => outcome(() => navigator.requestMediaKeySystemAccess(...args), () => 'access');
      const video = [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }];
      const out = {
        noArguments: await rmksa(),
        oneArgument: await rmksa('org.w3.clearkey'),
        notASequence: await rmksa('org.w3.clearkey', 'invalid'),
        number: await rmksa('org.w3.clearkey', 6),
        null: await rmksa('org.w3.clearkey', null),
        objectNotIterable: await rmksa('org.w3.clearkey', {}),
        itemNotADictionary: await rmksa('org.w3.clearkey', [{}, 6]),
        stringItem: await rmksa('org.w3.clearkey', ['invalid']),
        nullItem: await rmksa('org.w3.clearkey', [null]),
        emptyDictionary: await rmksa('org.w3.clearkey', [{}]),
        capabilityNotADictionary: await rmksa('org.w3.clearkey', [{ videoCapabilities: [5] }]),
        capabilitiesNotASequence: await rmksa('org.w3.clearkey', [{ videoCapabilities: 'x' }]),
        initDataTypesAString: await rmksa('org.w3.clearkey', [{ initDataTypes: 'cenc', videoCapabilities: video }]),
        initDataTypesANumber: await rmksa('org.w3.clearkey', [{ initDataTypes: 5, videoCapabilities: video }]),
        iterableInitDataTypes: await rmksa('org.w3.clearkey', [{ initDataTypes: new Set(['cenc']), videoCapabilities: video }]),
        badRequirement: await rmksa('org.w3.clearkey', [{ distinctiveIdentifier: 'maybe', videoCapabilities: video }]),
        badSessionType: await rmksa('org.w3.clearkey', [{ sessionTypes: ['bogus'], videoCapabilities: video }]),
        symbolKeySystem: await rmksa(Symbol('k'), [{ videoCapabilities: video }]),
        emptyKeySystem: await rmksa('', [{ videoCapabilities: video }]),
        otherKeySystem: await rmksa('com.example.none', [{ videoCapabilities: video }]),
        otherKeySystemBadConfigurations: await rmksa('com.example.none', 'invalid'),
      };
      const mk = await (await window.clearKeyAccess()).createMediaKeys();
      const session = () => mk.createSession();
      Object.assign(out, {
        createSessionBogus: await outcome(() => mk.createSession('bogus'), () => 'session'),
        createSessionNull: await outcome(() => mk.createSession(null), () => 'session'),
        createSessionUndefined: await outcome(() => mk.createSession(undefined), () => 'session'),
        createSessionUsageRecord: await outcome(() => mk.createSession('persistent-usage-record'), () => 'session'),
        createSessionPersistent: await outcome(() => mk.createSession('persistent-license'), () => 'session'),
        generateRequestNoArguments: await outcome(() => session().generateRequest()),
        generateRequestOneArgument: await outcome(() => session().generateRequest('keyids')),
        generateRequestString: await outcome(() => session().generateRequest('keyids', 'x')),
        generateRequestNull: await outcome(() => session().generateRequest('keyids', null)),
        generateRequestEmptyType: await outcome(() => session().generateRequest('', new Uint8Array(1))),
        generateRequestUnknownType: await outcome(() => session().generateRequest('bogus', new Uint8Array(1))),
        updateNoArguments: await outcome(() => session().update()),
        updateString: await outcome(() => session().update('x')),
        loadNoArguments: await outcome(() => session().load()),
        setServerCertificateNoArguments: await outcome(() => mk.setServerCertificate()),
        setServerCertificateString: await outcome(() => mk.setServerCertificate('x')),
        setServerCertificateEmpty: await outcome(() => mk.setServerCertificate(new Uint8Array(0))),
        setMediaKeysNoArguments: await outcome(() => document.createElement('video').setMediaKeys()),
        setMediaKeysUndefined: await outcome(() => document.createElement('video').setMediaKeys(undefined)),
        setMediaKeysObject: await outcome(() => document.createElement('video').setMediaKeys({})),
        policyNone: await outcome(() => mk.getStatusForPolicy()),
        policyEmpty: await outcome(() => mk.getStatusForPolicy({})),
        policyNumber: await outcome(() => mk.getStatusForPolicy(5)),
        policyBadVersion: await outcome(() => mk.getStatusForPolicy({ minHdcpVersion: 'bogus' })),
        policy22: await outcome(() => mk.getStatusForPolicy({ minHdcpVersion: '2.2' })),
        statusMapHasNoArguments: await outcome(() => session().keyStatuses.has()),
        statusMapGetString: await outcome(() => session().keyStatuses.get('x')),
        statusMapForEachNoArguments: await outcome(() => session().keyStatuses.forEach()),
      });
      return out;
    });
    const typeError = (k) => assert.match(r[k], /^(rejects|throws):TypeError:TypeError$/, k);
    for (const k of ['noArguments', 'oneArgument', 'notASequence', 'number', 'null', 'objectNotIterable',
      'itemNotADictionary', 'stringItem', 'capabilityNotADictionary', 'capabilitiesNotASequence',
      'initDataTypesAString', 'initDataTypesANumber', 'badRequirement', 'symbolKeySystem', 'emptyKeySystem',
      'otherKeySystemBadConfigurations', 'createSessionBogus', 'createSessionNull', 'createSessionUsageRecord',
      'generateRequestNoArguments', 'generateRequestOneArgument', 'generateRequestString', 'generateRequestNull',
      'updateNoArguments', 'updateString', 'loadNoArguments', 'setServerCertificateNoArguments',
      'setServerCertificateString', 'setMediaKeysNoArguments', 'setMediaKeysObject', 'policyNumber',
      'statusMapHasNoArguments', 'statusMapGetString', 'statusMapForEachNoArguments']) typeError(k);
    // Promise-returning operations reject; the others throw.
    assert.equal(r.noArguments, 'rejects:TypeError:TypeError');
    assert.equal(r.createSessionBogus, 'throws:TypeError:TypeError');
    assert.equal(r.nullItem, 'rejects:DOMException:NotSupportedError');  // null is the empty dictionary
    assert.equal(r.iterableInitDataTypes, 'resolves:access');
    assert.equal(r.setMediaKeysUndefined, 'resolves:undefined');
  });

  test('a SharedArrayBuffer, or a view of one, is a TypeError wherever a BufferSource is taken', async () => {
    const r = await sameAsNative(async (KID) => {
      const { outcome } = window;
      const out = { crossOriginIsolated: window.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer };
      const mk = await (await window.clearKeyAccess()).createMediaKeys();
      const kid = Uint8Array.from(KID.match(/../g), (h) => parseInt(h, 16));
      const shared = () => {
        const sab = new SharedArrayBuffer(kid.length);
        new Uint8Array(sab).set(kid);
        return { buffer: sab, view: new Uint8Array(sab), dataView: new DataView(sab), offsetView: new Uint8Array(sab, 4) };
      };
      for (const [kind, value] of Object.entries(shared())) {
        out[`generateRequest ${kind}`] = await outcome(() => mk.createSession().generateRequest('webm', value));
        out[`setServerCertificate ${kind}`] = await outcome(() => mk.setServerCertificate(value));
      }
      // A session with the key, whose status map holds the KID.
      const session = mk.createSession();
      const message = new Promise((resolve) => { session.onmessage = resolve; });
      await session.generateRequest('webm', kid);
      await session.update(await window.helpers.license((await message).message));
      await new Promise((resolve) => setTimeout(resolve, 50));
      out.status = session.keyStatuses.get(kid);
      out['has ArrayBuffer'] = await outcome(() => session.keyStatuses.has(kid.slice().buffer));
      for (const [kind, value] of Object.entries(shared())) {
        out[`update ${kind}`] = await outcome(() => session.update(value));
        out[`has ${kind}`] = await outcome(() => session.keyStatuses.has(value));
        out[`get ${kind}`] = await outcome(() => session.keyStatuses.get(value));
      }
      // The rejected update() changed nothing.
      out.statusAfter = session.keyStatuses.get(kid);
      // MSE's appendBuffer() takes a BufferSource without [AllowShared] too.
      const ms = new MediaSource();
      document.getElementById('v').src = URL.createObjectURL(ms);
      await new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
      const sb = ms.addSourceBuffer('video/mp4; codecs="avc1.640015"');
      for (const [kind, value] of Object.entries(shared())) out[`appendBuffer ${kind}`] = await outcome(() => sb.appendBuffer(value));
      out.updatingAfterAppends = sb.updating;
      return out;
    }, KID);
    assert.equal(r.crossOriginIsolated, true);
    assert.equal(r.sharedArrayBuffer, 'function');
    assert.equal(r.status, 'usable');
    assert.equal(r.statusAfter, 'usable');
    assert.equal(r['has ArrayBuffer'], 'returns:true');
    for (const kind of ['buffer', 'view', 'dataView', 'offsetView']) {
      for (const what of ['generateRequest', 'setServerCertificate', 'update']) {
        assert.equal(r[`${what} ${kind}`], 'rejects:TypeError:TypeError', `${what} ${kind}`);
      }
      for (const what of ['has', 'get', 'appendBuffer']) assert.equal(r[`${what} ${kind}`], 'throws:TypeError:TypeError', `${what} ${kind}`);
    }
    assert.equal(r.updatingAfterAppends, false);
  });

  test('close(): the order of closed, the close() promise and keystatuseschange', async () => {
    const r = await sameAsNative(async (KID) => {
      const mk = await (await window.clearKeyAccess()).createMediaKeys();
      const order = [];
      const session = mk.createSession();
      const size = () => session.keyStatuses.size;
      session.onkeystatuseschange = () => order.push(`keystatuseschange:${size()}`);
      const message = new Promise((resolve) => { session.onmessage = resolve; });
      await session.generateRequest('keyids', window.encodeJson({ kids: [window.b64url(KID)] }));
      await session.update(await window.helpers.license((await message).message));
      order.push(`update resolved:${size()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('--');
      session.closed.then((reason) => order.push(`closed ${reason}:${size()}`));
      const closing = session.close().then(() => order.push(`close() resolved:${size()}`));
      order.push(`close() returned:${size()}`);
      queueMicrotask(() => order.push(`microtask:${size()}`));
      setTimeout(() => order.push(`task:${size()}`), 0);
      await closing;
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A second close() resolves at once.
      order.push(`close() again: ${await window.outcome(() => session.close())}`);
      // close() in the reaction to update(), before update's keystatuseschange is dispatched.
      order.push('---');
      const quick = mk.createSession();
      quick.onkeystatuseschange = () => order.push(`quick keystatuseschange:${quick.keyStatuses.size}`);
      const quickMessage = new Promise((resolve) => { quick.onmessage = resolve; });
      await quick.generateRequest('keyids', window.encodeJson({ kids: [window.b64url(KID)] }));
      const license = await window.helpers.license((await quickMessage).message);
      quick.closed.then((reason) => order.push(`quick closed ${reason}:${quick.keyStatuses.size}`));
      await quick.update(license).then(() => {
        order.push(`quick update resolved:${quick.keyStatuses.size}`);
        return quick.close();
      });
      order.push(`quick close() resolved:${quick.keyStatuses.size}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return order;
    }, KID);
    // What Chromium does, which is what the spec's task order gives: "Update Key Statuses" sets
    // the map and queues keystatuseschange, then update()'s promise is resolved in the same
    // task; "Session Closed" empties the map, queues the event and resolves closed, then close()'s
    // promise is resolved; each event comes a task after the promise.
    const cut = r.indexOf('--');
    assert.deepEqual(r.slice(0, cut), ['update resolved:1', 'keystatuseschange:1']);
    const closedAt = r.findIndex((e) => e.startsWith('closed '));
    const resolvedAt = r.findIndex((e) => e.startsWith('close() resolved'));
    const eventAt = r.indexOf('keystatuseschange:0');
    assert.ok(closedAt > cut && closedAt < resolvedAt && resolvedAt < eventAt, r.join(' | '));
    assert.equal(r[closedAt], 'closed closed-by-application:0');
    assert.equal(r[r.indexOf('---') - 1], 'close() again: resolves:undefined');
  });

  test('init data type "webm" (a raw key ID) and "keyids" with no KID, as Chromium takes them', async () => {
    const r = await sameAsNative(async (KID) => {
      const { outcome } = window;
      const video = [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }];
      const config = (initDataTypes, videoCapabilities = video) => outcome(() => navigator.requestMediaKeySystemAccess(
        'org.w3.clearkey', [{ initDataTypes, videoCapabilities }]), (a) => a.getConfiguration().initDataTypes.join(','));
      const out = {
        onlyWebm: await config(['webm']),
        webmWithWebmMedia: await config(['webm'], [{ contentType: 'video/webm; codecs="vp8"' }]),
        all: await config(['webm', 'bogus', 'keyids', 'cenc']),
        caseMatters: await config(['WebM']),
      };
      const mk = await (await window.clearKeyAccess()).createMediaKeys();
      // generateRequest(); the license request it sends, if it resolves.
      const request = async (type, data) => {
        const session = mk.createSession();
        const message = new Promise((resolve) => { session.onmessage = (e) => resolve(`${e.messageType} ${new TextDecoder().decode(e.message)}`); });
        const result = await outcome(() => session.generateRequest(type, data));
        const again = await outcome(() => session.generateRequest(type, data));
        return [result, result.startsWith('resolves') ? await message : null, again];
      };
      for (const n of [1, 16, 512, 513, 65536, 65537]) out[`webm ${n} bytes`] = await request('webm', new Uint8Array(n).fill(0x41));
      out['webm empty'] = await request('webm', new Uint8Array(0));
      out['keyids 65537 bytes'] = await request('keyids', new Uint8Array(65537).fill(0x20));
      out['keyids no kids'] = await request('keyids', window.encodeJson({ kids: [] }));
      out['keyids no kids member'] = await request('keyids', window.encodeJson({}));
      // A session opened with no KID takes a license; an empty key set is not a license.
      const session = mk.createSession();
      const statuses = [];
      session.onkeystatuseschange = () => session.keyStatuses.forEach((s, k) => statuses.push(`${window.hex(k)}=${s}`));
      await session.generateRequest('keyids', window.encodeJson({ kids: [] }));
      out.updateNoKeys = await outcome(() => session.update(window.encodeJson({ keys: [] })));
      const license = await window.helpers.license(window.encodeJson({ kids: [window.b64url(KID)] }));
      out.updateKey = await outcome(() => session.update(license));
      await new Promise((resolve) => setTimeout(resolve, 50));
      out.statuses = statuses;
      return out;
    }, KID);
    assert.equal(r.onlyWebm, 'resolves:webm');
    assert.equal(r.webmWithWebmMedia, 'resolves:webm');
    assert.equal(r.all, 'resolves:webm,keyids,cenc');
    assert.equal(r.caseMatters, 'rejects:DOMException:NotSupportedError');
    const b64 = (n) => Buffer.alloc(n, 0x41).toString('base64url');
    for (const n of [1, 16, 512]) {
      assert.deepEqual(r[`webm ${n} bytes`], ['resolves:undefined', `license-request {"kids":["${b64(n)}"],"type":"temporary"}`,
        'rejects:DOMException:InvalidStateError']);
    }
    // Over 512 bytes (a key ID's limit, media/base/limits.h) and over 64 KiB (any init data's):
    // TypeError, and the session is used up all the same (generateRequest() step 3 comes first).
    for (const k of ['webm 513 bytes', 'webm 65536 bytes', 'webm 65537 bytes', 'keyids 65537 bytes', 'webm empty']) {
      assert.deepEqual(r[k], ['rejects:TypeError:TypeError', null, 'rejects:DOMException:InvalidStateError'], k);
    }
    assert.deepEqual(r['keyids no kids'], ['resolves:undefined', 'license-request {"kids":[],"type":"temporary"}', 'rejects:DOMException:InvalidStateError']);
    assert.equal(r['keyids no kids member'][0], 'rejects:TypeError:TypeError');
    assert.equal(r.updateNoKeys, 'rejects:TypeError:TypeError');
    assert.equal(r.updateKey, 'resolves:undefined');
    assert.deepEqual(r.statuses, [`${KID}=usable`]);
  });
});

// Another EME shim installed before or after the polyfill: the real Shaka Player (its
// shaka.polyfill.installAll() wraps navigator.requestMediaKeySystemAccess and
// navigator.mediaCapabilities.decodingInfo with own properties of those objects) plays Clear Key
// through the polyfill in either order, with the frames of Chromium's own Clear Key.
const BASE = '/testdata/shaka-player/dash-clearkey/';

describe('install() with other EME shims, in either order', { skip }, () => {
  let env;
  before(async () => {
    const clearKeyMpd = dashClearKeyMpd();
    env = await setUp({
      keys: DASH.keys,
      routes: {
        [`${BASE}clearkey.mpd`]: (req, res) => {
          res.setHeader('Content-Type', 'application/dash+xml');
          res.end(clearKeyMpd);
        },
      },
    });
  });
  after(async () => { if (env) await env.close(); });

  async function shakaPage(order) {
    const page = await env.page('/tests/browser/pages/library.html');
    await page.waitForFunction(() => window.pageReady);
    const state = await page.evaluate(async ({ order, manifest }) => {
      // "shaka first": the script runs before install() (it keeps the URL.createObjectURL it
      // finds then) and its polyfills are installed before install().
      if (order === 'shaka after') await window.wee.install({ force: true });
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/node_modules/shaka-player/dist/shaka-player.compiled.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
      const own = () => ({
        rmksa: Object.getOwnPropertyDescriptor(navigator, 'requestMediaKeySystemAccess') ? 'own' : 'prototype',
        decodingInfo: Object.getOwnPropertyDescriptor(navigator.mediaCapabilities, 'decodingInfo') ? 'own' : 'prototype',
      });
      if (order === 'shaka first') {
        shaka.polyfill.installAll();
        window.shakaShims = own();
        await window.wee.install({ force: true });
      } else if (order === 'shaka after') {
        shaka.polyfill.installAll();
        window.shakaShims = own();
      } else {
        shaka.polyfill.installAll();
        window.shakaShims = own();
      }
      const video = document.getElementById('v');
      const player = new shaka.Player();
      await player.attach(video);
      player.configure({ drm: { servers: { 'org.w3.clearkey': '/license' } } });
      await player.load(manifest);
      if (video.readyState < 2) await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
      return { shims: window.shakaShims, polyfilled: video.mediaKeys instanceof window.wee.MediaKeys };
    }, { order, manifest: `${BASE}clearkey.mpd` });
    return { page, state };
  }

  async function frames(page, times) {
    const shots = [];
    let previous = await page.locator('#v').screenshot();
    for (const t of times) {
      await page.evaluate(async (time) => {
        const video = document.getElementById('v');
        video.pause();
        const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
        video.currentTime = time;
        await seeked;
        await Promise.race([new Promise((r) => video.requestVideoFrameCallback(() => r())), new Promise((r) => setTimeout(r, 1000))]);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }, t);
      previous = await stableScreenshot(page, '#v', previous);
      shots.push(previous);
    }
    return shots;
  }

  test('Shaka Player\'s polyfills installed first or after: Clear Key through the polyfill, frames equal native', { timeout: 180000 }, async () => {
    const native = await shakaPage('native');
    assert.deepEqual(native.state, { shims: { rmksa: 'own', decodingInfo: 'own' }, polyfilled: false });
    const nativeFrames = await frames(native.page, DASH.times);
    for (let i = 1; i < nativeFrames.length; i++) assert.ok(!nativeFrames[i].equals(nativeFrames[i - 1]), 'native frames differ');
    for (const order of ['shaka first', 'shaka after']) {
      const { page, state } = await shakaPage(order);
      assert.equal(state.polyfilled, true, `${order}: the video's MediaKeys are the polyfill's (log: ${page.logs.slice(-10).join(' | ')})`);
      assert.deepEqual(state.shims, { rmksa: 'own', decodingInfo: 'own' }, order);
      const shots = await frames(page, DASH.times);
      shots.forEach((png, i) => assert.ok(png.equals(nativeFrames[i]), `${order}: frame at ${DASH.times[i]}s differs from native`));
    }
  });

  test('a shim that reassigns the property keeps the polyfill in front; uninstall() restores exactly', async () => {
    const page = await env.page();
    await page.waitForFunction(() => window.pageReady);
    const r = await page.evaluate(async () => {
      const kind = (a) => (a instanceof window.wee.MediaKeySystemAccess ? 'polyfill' : 'native');
      const config = [{ videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }] }];
      const clearKey = () => navigator.requestMediaKeySystemAccess('org.w3.clearkey', config).then(kind, (e) => e.name);
      const other = () => navigator.requestMediaKeySystemAccess('com.example.none', config).then(kind, (e) => e.name);
      const out = {};
      // A shim installed first (an own property of navigator) that, like Shaka's and
      // eme-encryption-scheme-polyfill's probe, puts the function it wrapped back after its
      // first call.
      const nativeRmksa = navigator.requestMediaKeySystemAccess;
      const probe = async function probe(keySystem, configurations) {
        try {
          return await nativeRmksa.call(this, keySystem, configurations);
        } finally {
          navigator.requestMediaKeySystemAccess = nativeRmksa;
        }
      };
      navigator.requestMediaKeySystemAccess = probe;
      const original = Object.getOwnPropertyDescriptor(navigator, 'requestMediaKeySystemAccess');
      await window.wee.install({ force: true });
      out.inFront = navigator.requestMediaKeySystemAccess !== probe;
      out.other = await other();  // through the probe, which reassigns the property
      out.clearKeyAfterProbe = await clearKey();
      // A shim installed after, wrapping what it finds.
      const calls = [];
      const wrapped = navigator.requestMediaKeySystemAccess;
      const later = function later(keySystem, configurations) {
        calls.push(keySystem);
        return wrapped.call(this, keySystem, configurations);
      };
      navigator.requestMediaKeySystemAccess = later;
      out.laterShown = navigator.requestMediaKeySystemAccess === later;
      out.clearKeyThroughLater = await clearKey();
      out.otherThroughLater = await other();
      out.calls = calls.slice();
      window.wee.uninstall();
      const restored = Object.getOwnPropertyDescriptor(navigator, 'requestMediaKeySystemAccess');
      out.restored = restored.value === later && ['writable', 'enumerable', 'configurable'].every((k) => restored[k] === original[k]);
      out.prototypeUntouched = Object.getOwnPropertyDescriptor(Navigator.prototype, 'requestMediaKeySystemAccess').value === nativeRmksa;
      // The later shim still holds the polyfill's function: it now passes everything through.
      out.clearKeyAfterUninstall = await clearKey();
      // Installed with nothing in front: on Navigator.prototype, restored exactly.
      delete navigator.requestMediaKeySystemAccess;
      await window.wee.install({ force: true });
      out.onPrototype = !Object.getOwnPropertyDescriptor(navigator, 'requestMediaKeySystemAccess')
        && Object.getOwnPropertyDescriptor(Navigator.prototype, 'requestMediaKeySystemAccess').value !== nativeRmksa;
      window.wee.uninstall();
      out.prototypeRestored = Object.getOwnPropertyDescriptor(Navigator.prototype, 'requestMediaKeySystemAccess').value === nativeRmksa;
      return out;
    });
    assert.deepEqual(r, {
      inFront: true, other: 'NotSupportedError', clearKeyAfterProbe: 'polyfill', laterShown: true,
      clearKeyThroughLater: 'polyfill', otherThroughLater: 'NotSupportedError',
      calls: ['org.w3.clearkey', 'com.example.none'], restored: true, prototypeUntouched: true,
      clearKeyAfterUninstall: 'native', onPrototype: true, prototypeRestored: true,
    });
  });
});
