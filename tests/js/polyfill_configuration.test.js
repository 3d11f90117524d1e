// EME 3.1.1.2 "Get Supported Configuration" and the MediaKeyStatusMap, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getSupportedConfiguration } from '../../js/src/eme/configuration.js';
import { MediaKeyStatusMap, setKeyStatuses } from '../../js/src/eme/media_key_status_map.js';

const playable = (type) => /^(video|audio)\/mp4/.test(type) && !type.includes('nope');
const get = (c, o = {}) => getSupportedConfiguration(c, { isTypeSupported: playable, ...o });
const video = [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }];

test('optional requirements resolve to not-allowed; label and types are kept', () => {
  assert.deepEqual(get({ label: 'x', initDataTypes: ['keyids', 'webm', 'cenc'], videoCapabilities: video }), {
    label: 'x',
    initDataTypes: ['keyids', 'cenc'],
    audioCapabilities: [],
    videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"', encryptionScheme: null, robustness: '' }],
    distinctiveIdentifier: 'not-allowed',
    persistentState: 'not-allowed',
    sessionTypes: ['temporary'],
  });
});

test('NotSupported cases return null', () => {
  const cases = {
    'no capabilities': {},
    'only unsupported init data types': { initDataTypes: ['webm'], videoCapabilities: video },
    'distinctive identifier required': { distinctiveIdentifier: 'required', videoCapabilities: video },
    'unknown requirement value': { persistentState: 'maybe', videoCapabilities: video },
    'a robustness level': { videoCapabilities: [{ ...video[0], robustness: 'HW_SECURE_ALL' }] },
    'an empty contentType among good ones': { videoCapabilities: [...video, { contentType: '' }] },
    'an unplayable type only': { videoCapabilities: [{ contentType: 'video/mp4; codecs="nope"' }] },
    'an unknown scheme': { videoCapabilities: [{ ...video[0], encryptionScheme: 'cens' }] },
    'an unknown session type': { sessionTypes: ['persistent-usage-record'], videoCapabilities: video },
    'persistent sessions without persistent state': {
      sessionTypes: ['persistent-license'], persistentState: 'not-allowed', videoCapabilities: video,
    },
    'audio requested but none playable': { videoCapabilities: video, audioCapabilities: [{ contentType: 'audio/x; codecs="nope"' }] },
  };
  for (const [name, candidate] of Object.entries(cases)) assert.equal(get(candidate), null, name);
  assert.equal(get({ persistentState: 'required', videoCapabilities: video }, { persistentLicense: false }), null);
});

test('persistent-license sessions make persistent state required; schemes pass through', () => {
  const c = get({ sessionTypes: ['temporary', 'persistent-license'], videoCapabilities: video });
  assert.equal(c.persistentState, 'required');
  assert.deepEqual(c.sessionTypes, ['temporary', 'persistent-license']);
  const s = get({ videoCapabilities: [{ ...video[0], encryptionScheme: 'cbcs-1-9' }, { contentType: 'video/mp4; codecs="nope"' }] });
  assert.deepEqual(s.videoCapabilities.map((x) => x.encryptionScheme), ['cbcs-1-9']);
});

test('MediaKeyStatusMap: byte-compared BufferSource keys, sorted iteration, copies out', () => {
  const map = new MediaKeyStatusMap();
  assert.equal(map.size, 0);
  setKeyStatuses(map, [
    { kid: Uint8Array.of(2, 0), status: 'usable' },
    { kid: Uint8Array.of(1, 255), status: 'released' },
    { kid: Uint8Array.of(9), status: 'expired' },
  ]);
  assert.equal(map.size, 3);
  assert.equal(map.get(Uint8Array.of(1, 255).buffer), 'released');
  assert.equal(map.get(new DataView(Uint8Array.of(0, 2, 0).buffer, 1)), 'usable');
  assert.equal(map.has(Uint8Array.of(2)), false);
  assert.equal(map.get(Uint8Array.of(2, 0, 0)), undefined);
  assert.throws(() => map.get('0200'), TypeError);
  const order = [...map].map(([k, v]) => `${[...new Uint8Array(k)]}=${v}`);
  assert.deepEqual(order, ['9=expired', '1,255=released', '2,0=usable']);
  const seen = [];
  map.forEach(function (status, kid, m) { seen.push([status, kid.byteLength, m === map, this]); }, 'this');
  assert.deepEqual(seen[0], ['expired', 1, true, 'this']);
  const [first] = map.keys();
  new Uint8Array(first)[0] = 7;
  assert.equal(map.get(Uint8Array.of(9)), 'expired');
});
