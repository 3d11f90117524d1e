// js/src/core/cdm.js end to end over the wasm module: EME Clear Key examples, the mp4ff
// vector's pssh, error codes, and the session lifecycle. Expected values are built with Node's
// own base64url/JSON, not with the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, WasmEmeError } from '../../js/src/core/module.js';
import { ClearKeyCdm } from '../../js/src/core/cdm.js';
import { testdataDir } from './testdata.js';

const core = await loadCore();

const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b) => Buffer.from(b).toString('hex');
const utf8 = (s) => new TextEncoder().encode(s);
const b64url = (h) => Buffer.from(h, 'hex').toString('base64url');
const license = (pairs, type) => utf8(JSON.stringify({
  keys: pairs.map(([kid, k]) => ({ kty: 'oct', kid: b64url(kid), k: b64url(k) })),
  ...(type ? { type } : {}),
}));
const statusMap = (list) => list.map((s) => `${toHex(s.kid)}=${s.status}`);
const fails = (code, message) => (e) => {
  assert.ok(e instanceof WasmEmeError, String(e));
  assert.equal(e.code, code, e.message);
  if (message) assert.equal(e.message, message);
  return true;
};

// EME 9.1.3/9.1.4 examples: KID LwVHf8JLtPrv2GUXFW2v_A, key tQ0bJVWb6b0KPL6KtZIy_A.
const KID_A = '2f05477fc24bb4faefd86517156daffc';
const KEY_A = 'b50d1b25559be9bd0a3cbe8ab59232fc';
const KID_B = 'd0376d53da1df818792f7c5bbf45dffc';

// The top-level moov's pssh child of an MP4 file (a plain size/type walk).
function psshOf(file) {
  const find = (start, end, type) => {
    for (let pos = start; pos + 8 <= end;) {
      const size = file.readUInt32BE(pos);
      if (file.toString('latin1', pos + 4, pos + 8) === type) return [pos, size];
      pos += size;
    }
    throw new Error(`no ${type}`);
  };
  const [moov, moovSize] = find(0, file.length, 'moov');
  const [pssh, psshSize] = find(moov + 8, moov + moovSize, 'pssh');
  return new Uint8Array(file.subarray(pssh, pssh + psshSize));
}

test('the EME Clear Key example: keyids request, JWK license, key lookup', () => {
  const cdm = new ClearKeyCdm(core);
  const id = cdm.createSession('temporary');
  assert.equal(id, '1');
  const message = cdm.generateRequest(id, 'keyids', utf8('{"kids":["LwVHf8JLtPrv2GUXFW2v_A"]}'));
  assert.ok(message instanceof Uint8Array);
  const request = new TextDecoder().decode(message);
  assert.equal(request, '{"kids":["LwVHf8JLtPrv2GUXFW2v_A"],"type":"temporary"}');
  assert.deepEqual(JSON.parse(request), { kids: [Buffer.from(KID_A, 'hex').toString('base64url')], type: 'temporary' });
  assert.equal(cdm.getKey(hex(KID_A)), null);

  const statuses = cdm.update(id, utf8('{"keys":[{"kty":"oct","k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"LwVHf8JLtPrv2GUXFW2v_A"}],"type":"temporary"}'));
  assert.deepEqual(statusMap(statuses), [`${KID_A}=usable`]);
  assert.ok(statuses[0].kid instanceof Uint8Array);
  assert.equal(toHex(cdm.getKey(hex(KID_A))), KEY_A);
  assert.deepEqual(statusMap(cdm.keyStatuses(id)), [`${KID_A}=usable`]);
  assert.equal(cdm.sessionState(id), 'active');
  cdm.dispose();
});

test('cenc init data: the pssh of mp4ff/prog_8s_enc_dashinit.mp4 and its published key', () => {
  const pssh = psshOf(readFileSync(join(testdataDir, 'mp4ff/prog_8s_enc_dashinit.mp4')));
  const kids = ClearKeyCdm.extractKeyIds(core, 'cenc', pssh);
  assert.deepEqual(kids.map(toHex), ['cd7eb9ff88f34caeb06185b00024e4c2']);
  const cdm = new ClearKeyCdm(core);
  const id = cdm.createSession();
  const request = JSON.parse(new TextDecoder().decode(cdm.generateRequest(id, 'cenc', pssh)));
  assert.deepEqual(request, { kids: [b64url('cd7eb9ff88f34caeb06185b00024e4c2')], type: 'temporary' });
  cdm.update(id, license([['cd7eb9ff88f34caeb06185b00024e4c2', '63cb5f7184dd4b689a5c5ff11ee6a328']]));
  assert.equal(toHex(cdm.getKey(hex('cd7eb9ff88f34caeb06185b00024e4c2'))), '63cb5f7184dd4b689a5c5ff11ee6a328');
  cdm.dispose();
});

test('error codes map to the EME exceptions', () => {
  const cdm = new ClearKeyCdm(core);
  assert.throws(() => cdm.createSession('persistent-usage-record'), fails('unsupported'));
  const id = cdm.createSession();
  assert.throws(() => cdm.update(id, license([[KID_A, KEY_A]])), fails('invalid-state'));
  assert.throws(() => cdm.generateRequest(id, 'mp4', hex('00')), fails('unsupported'));
  // A v0 Widevine pssh: valid, but nothing for Clear Key (EME: NotSupportedError) ...
  const widevine = hex('00000020' + '70737368' + '00000000' + 'edef8ba979d64acea3c827dcd51d21ed' + '00000000');
  assert.throws(() => cdm.generateRequest(id, 'cenc', widevine), fails('unsupported'));
  // ... and the same box cut short: invalid init data (EME: TypeError).
  assert.throws(() => cdm.generateRequest(id, 'cenc', widevine.subarray(0, 31)),
    fails('invalid-argument', 'cenc: pssh[0] (byte 0): box size 32 exceeds the 31 bytes left'));
  assert.throws(() => cdm.generateRequest(id, 'keyids', utf8('{"kids":["AQI="]}')),
    fails('invalid-argument', 'keyids: kids[0]: not base64url without padding'));
  cdm.generateRequest(id, 'webm', hex(KID_A));
  assert.throws(() => cdm.generateRequest(id, 'webm', hex(KID_A)), fails('invalid-state'));
  assert.throws(() => cdm.update(id, utf8('{"keys":[{"kty":"oct","kid":"AQI","k":"AAECAwQFBgcICQoLDA0ODxA"}]}')),
    fails('invalid-argument', 'keys[0].k: 17 bytes, expected 16'));
  assert.throws(() => cdm.update(id, license([[KID_A, KEY_A]], 'persistent-license')), fails('invalid-argument'));
  assert.throws(() => cdm.update(id, 'not bytes'), fails('invalid-argument'));
  assert.throws(() => cdm.keyStatuses('99'), fails('invalid-state'));
  cdm.dispose();
  assert.throws(() => cdm.createSession(), fails('invalid-state'));
  cdm.dispose();  // twice is harmless
});

test('lifecycle: two sessions, newest key wins, close drops keys, remove releases', () => {
  const cdm = new ClearKeyCdm(core);
  const one = cdm.createSession();
  const two = cdm.createSession();
  assert.notEqual(one, two);
  cdm.generateRequest(one, 'webm', hex(KID_A));
  cdm.generateRequest(two, 'webm', hex(KID_A));
  cdm.update(one, license([[KID_A, '11'.repeat(16)], [KID_B, '11'.repeat(16)]]));
  cdm.update(two, license([[KID_A, '22'.repeat(16)]]));
  assert.equal(toHex(cdm.getKey(hex(KID_A))), '22'.repeat(16));
  cdm.close(two);
  assert.equal(cdm.sessionState(two), 'closed');
  assert.equal(toHex(cdm.getKey(hex(KID_A))), '11'.repeat(16));
  cdm.close(two);  // closing again is harmless

  const removed = cdm.remove(one);
  assert.equal(removed.message, null);  // temporary: no license-release message
  assert.deepEqual(statusMap(removed.keyStatuses), [`${KID_A}=released`, `${KID_B}=released`]);
  assert.equal(cdm.getKey(hex(KID_A)), null);
  assert.equal(cdm.load('1'), false);
  cdm.dispose();
});

test('persistent-license: release message, acknowledgement closes the session', () => {
  const cdm = new ClearKeyCdm(core);
  const id = cdm.createSession('persistent-license');
  const request = JSON.parse(new TextDecoder().decode(
    cdm.generateRequest(id, 'keyids', utf8(JSON.stringify({ kids: [b64url(KID_A), b64url(KID_B)] })))));
  assert.equal(request.type, 'persistent-license');
  cdm.update(id, license([[KID_A, KEY_A], [KID_B, KEY_A]], 'persistent-license'));
  const { message, keyStatuses } = cdm.remove(id);
  // EME "License Release Format" example (two keys).
  assert.deepEqual(JSON.parse(new TextDecoder().decode(message)),
    { kids: ['LwVHf8JLtPrv2GUXFW2v_A', '0DdtU9od-Bh5L3xbv0Xf_A'] });
  assert.deepEqual(statusMap(keyStatuses), [`${KID_A}=released`, `${KID_B}=released`]);
  assert.equal(cdm.sessionState(id), 'released');
  assert.deepEqual(cdm.update(id, message), []);
  assert.equal(cdm.sessionState(id), 'closed');
  cdm.dispose();
});

test('static helpers: license request, JWK Set, license parsing', () => {
  assert.equal(ClearKeyCdm.makeLicenseRequest(core, [hex(KID_A), hex(KID_B)], 'temporary'),
    '{"kids":["LwVHf8JLtPrv2GUXFW2v_A","0DdtU9od-Bh5L3xbv0Xf_A"],"type":"temporary"}');
  // Chromium sends this for 'keyids' init data with an empty kids list.
  assert.equal(ClearKeyCdm.makeLicenseRequest(core, [], 'temporary'), '{"kids":[],"type":"temporary"}');

  const jwkSet = ClearKeyCdm.makeJwkSet(core, [{ kid: hex(KID_A), key: hex(KEY_A) }], 'temporary');
  assert.equal(jwkSet, '{"keys":[{"k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"LwVHf8JLtPrv2GUXFW2v_A","kty":"oct"}],"type":"temporary"}');
  assert.equal(ClearKeyCdm.makeJwkSet(core, [{ kid: hex('0102'), key: hex(KEY_A) }]),
    '{"keys":[{"k":"tQ0bJVWb6b0KPL6KtZIy_A","kid":"AQI","kty":"oct"}]}');
  assert.throws(() => ClearKeyCdm.makeJwkSet(core, [{ kid: hex(KID_A), key: hex('00') }]),
    fails('invalid-argument', 'keys[0].k: 1 bytes, expected 16'));

  const parsed = ClearKeyCdm.parseLicense(core, utf8(jwkSet));
  assert.equal(parsed.type, 'temporary');
  assert.deepEqual(parsed.keys.map((k) => [toHex(k.kid), toHex(k.key)]), [[KID_A, KEY_A]]);
  assert.equal(ClearKeyCdm.parseLicense(core, license([[KID_B, KEY_A]])).type, null);
  assert.throws(() => ClearKeyCdm.parseLicense(core, utf8('{"keys":[{"kty":"RSA","kid":"AQI","k":"x"}]}')),
    fails('invalid-argument', 'keys[0].kty: not "oct"'));
  assert.deepEqual(ClearKeyCdm.extractKeyIds(core, 'webm', hex(KID_B)).map(toHex), [KID_B]);
});
