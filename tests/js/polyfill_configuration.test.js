// EME 3.1.1.2 "Get Supported Configuration" and the MediaKeyStatusMap, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getSupportedConfiguration, parseMimeType, toMediaKeySystemConfiguration } from '../../js/src/eme/configuration.js';
import { MediaKeyStatusMap, setKeyStatuses } from '../../js/src/eme/media_key_status_map.js';

const playable = (type) => /^(video|audio)\/mp4/.test(type) && !type.includes('nope');
const get = (c, o = {}) => getSupportedConfiguration(c, { isTypeSupported: playable, ...o });
const video = [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }];

test('optional requirements resolve to not-allowed; label and types are kept', () => {
  assert.deepEqual(get({ label: 'x', initDataTypes: ['keyids', 'bogus', 'webm', 'cenc'], videoCapabilities: video }), {
    label: 'x',
    initDataTypes: ['keyids', 'webm', 'cenc'],
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
    'only unsupported init data types': { initDataTypes: ['bogus', 'WEBM'], videoCapabilities: video },
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

test('capabilities: strictly audio or video, mp4 or webm, codecs the only parameter', () => {
  // An engine like Chromium's: a video codec does not play in an audio/ type.
  const strict = (type) => {
    const m = /^(audio|video)\/(mp4|webm); codecs="([^"]*)"$/.exec(type);
    if (!m) return false;
    const audio = { mp4: ['mp4a.40.2', 'opus', 'flac'], webm: ['vorbis', 'opus'] }[m[2]];
    const videoCodecs = { mp4: ['avc1.42E01E', 'av01.0.04M.08', 'vp09.00.10.08'], webm: ['vp8', 'vp9'] }[m[2]];
    return m[3].split(',').every((c) => audio.includes(c) || (m[1] === 'video' && videoCodecs.includes(c)));
  };
  // An engine that plays any codec it knows in either type: the prefix table decides.
  const lax = (type) => /^(audio|video)\/(mp4|webm); codecs="(avc1|mp4a|vp8|vorbis)[^"]*"$/.test(type);
  const cap = (contentType) => [{ contentType }];
  for (const isTypeSupported of [strict, lax]) {
    const ok = (c) => getSupportedConfiguration(c, { isTypeSupported }) !== null;
    const label = isTypeSupported.name;
    assert.equal(ok({ videoCapabilities: cap('video/mp4; codecs="avc1.42E01E"') }), true, label);
    assert.equal(ok({ audioCapabilities: cap('audio/mp4; codecs="mp4a.40.2"') }), true, label);
    assert.equal(ok({ videoCapabilities: cap('video/webm; codecs="vp8"') }), true, label);
    assert.equal(ok({ audioCapabilities: cap('audio/webm; codecs="vorbis"') }), true, label);
    assert.equal(ok({ videoCapabilities: cap('VIDEO/MP4;CODECS=avc1.42E01E') }), true, label);
    for (const bad of [
      { audioCapabilities: cap('audio/mp4; codecs="avc1.42E01E"') },  // a video codec as audio
      { audioCapabilities: cap('video/mp4; codecs="avc1.42E01E"') },  // a video type as audio
      { audioCapabilities: cap('video/mp4; codecs="mp4a.40.2"') },
      { videoCapabilities: cap('audio/mp4; codecs="mp4a.40.2"') },
      { videoCapabilities: cap('video/mp4; codecs="mp4a.40.2"') },    // video type, audio codecs only
      { videoCapabilities: cap('video/webm; codecs="vorbis"') },
      { videoCapabilities: cap('video/mp4; codecs="avc1.42E01E,mp4a.40.2"') },  // not strictly video
      { videoCapabilities: cap('video/mp4; codecs="avc1.42E01E"; foo="bar"') },
      { videoCapabilities: cap('video/mp4') },
      { videoCapabilities: cap('video/mp4; codecs=""') },
      { videoCapabilities: cap('video/mp2t; codecs="avc1.42E01E"') },
      { videoCapabilities: cap('video/mp4; codecs="avc1.42E01E') },
    ]) assert.equal(ok(bad), false, `${label}: ${JSON.stringify(bad)}`);
  }
});

test('parseMimeType: names lowercased, quoted values, malformed input is null', () => {
  const p = (t) => { const m = parseMimeType(t); return m && [m.type, m.subtype, [...m.parameters]]; };
  assert.deepEqual(p('Video/MP4; Codecs="avc1.4D401E, mp4a.40.2"'), ['video', 'mp4', [['codecs', 'avc1.4D401E, mp4a.40.2']]]);
  assert.deepEqual(p('audio/webm;codecs=opus'), ['audio', 'webm', [['codecs', 'opus']]]);
  for (const bad of ['video', '/mp4', 'video/', 'vi deo/mp4', 'video/mp4; codecs', 'video/mp4; codecs="a"x',
    'video/mp4; codecs="a', 'video/mp4; codecs=a; codecs=b']) assert.equal(parseMimeType(bad), null, bad);
});

test('toMediaKeySystemConfiguration: WebIDL dictionary conversion', () => {
  assert.deepEqual(toMediaKeySystemConfiguration(null), {
    audioCapabilities: [], distinctiveIdentifier: 'optional', initDataTypes: [], label: '',
    persistentState: 'optional', videoCapabilities: [],
  });
  const c = toMediaKeySystemConfiguration({
    initDataTypes: new Set(['cenc']), label: 7, videoCapabilities: [{ contentType: 'video/mp4' }, undefined],
  });
  assert.deepEqual(c.initDataTypes, ['cenc']);
  assert.equal(c.label, '7');
  assert.deepEqual(c.videoCapabilities, [
    { contentType: 'video/mp4', encryptionScheme: null, robustness: '' },
    { contentType: '', encryptionScheme: null, robustness: '' },
  ]);
  assert.equal('sessionTypes' in c, false);
  for (const bad of [6, 'invalid', { initDataTypes: 'cenc' }, { initDataTypes: 5 }, { videoCapabilities: [5] },
    { videoCapabilities: {} }, { distinctiveIdentifier: 'maybe' }, { persistentState: '' }, { label: Symbol('x') }]) {
    assert.throws(() => toMediaKeySystemConfiguration(bad), TypeError, JSON.stringify(bad));
  }
  // Members are read once each, in lexicographic order.
  const read = [];
  toMediaKeySystemConfiguration(new Proxy({}, { get(_, name) { read.push(name); return undefined; } }));
  assert.deepEqual(read, ['audioCapabilities', 'distinctiveIdentifier', 'initDataTypes', 'label', 'persistentState', 'sessionTypes', 'videoCapabilities']);
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
