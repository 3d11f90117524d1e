// js/src/core/auth.js over the wasm module, checked against published vectors and against
// Node's own crypto (an independent HMAC / AES implementation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { loadCore, WasmEmeError } from '../../js/src/core/module.js';
import {
  jwtSign, jwtVerify, verifyEntitlement, makeEntitlement, keySeedDecode, keySeedDerive, oauthSign, oauthVerify,
} from '../../js/src/core/auth.js';

const core = await loadCore();

const b64url = (data) => Buffer.from(data).toString('base64url');
const hmacToken = (header, payload, key) => {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
const refused = (reason, code = 'denied') => (e) => {
  assert.ok(e instanceof WasmEmeError, String(e));
  assert.equal(e.code, code, e.message);
  assert.equal(e.reason, reason, e.message);
  return true;
};

// RFC 7515 appendix A.1.
const RFC7515_TOKEN = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9'
  + '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
  + '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC7515_KEY = Buffer.from('AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow', 'base64url');
const KEY = Buffer.alloc(32, 7);

test('RFC 7515 A.1 verifies over the received bytes; exp with clock skew', () => {
  const { header, payload } = jwtVerify(core, RFC7515_TOKEN, { key: RFC7515_KEY, now: 1300819379 });
  assert.deepEqual(header, { typ: 'JWT', alg: 'HS256' });
  assert.deepEqual(payload, { iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true });
  assert.throws(() => jwtVerify(core, RFC7515_TOKEN, { key: RFC7515_KEY, now: 1300819380 }), refused('expired'));
  jwtVerify(core, RFC7515_TOKEN, { key: RFC7515_KEY, now: 1300819380, clockSkew: 5 });
});

test('jwtSign agrees with Node crypto both ways', () => {
  const token = jwtSign(core, { payload: { sub: 'viewer', n: 1 }, key: KEY, header: { kid: 'k1' } });
  const [h, p, s] = token.split('.');
  assert.equal(s, createHmac('sha256', KEY).update(`${h}.${p}`).digest('base64url'));
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'HS256', kid: 'k1', typ: 'JWT' });
  const foreign = hmacToken('{"alg":"HS256"}', '{"nbf":100,"sub":"x"}', KEY);
  assert.equal(jwtVerify(core, foreign, { key: KEY, now: 100 }).payload.sub, 'x');
  assert.throws(() => jwtVerify(core, foreign, { key: KEY, now: 98, clockSkew: 1 }), refused('not-yet-valid'));
});

test('JWT attacks: alg none, algorithm switch, truncation, tampering, short key, oversize', () => {
  const payload = '{"sub":"mallory"}';
  const none = `${b64url('{"alg":"none"}')}.${b64url(payload)}.`;
  assert.throws(() => jwtVerify(core, none, { key: KEY, now: 0 }), refused('algorithm'));
  assert.throws(() => jwtVerify(core, hmacToken('{"alg":"RS256"}', payload, KEY), { key: KEY, now: 0 }), refused('algorithm'));
  const good = hmacToken('{"alg":"HS256"}', payload, KEY);
  assert.throws(() => jwtVerify(core, good.slice(0, -3), { key: KEY, now: 0 }), refused('signature'));
  const [h, , s] = good.split('.');
  assert.throws(() => jwtVerify(core, `${h}.${b64url('{"sub":"admin"}')}.${s}`, { key: KEY, now: 0 }), refused('signature'));
  assert.throws(() => jwtVerify(core, good, { key: KEY.subarray(0, 31), now: 0 }),
    (e) => e instanceof WasmEmeError && e.code === 'invalid-argument');
  const big = hmacToken('{"alg":"HS256"}', JSON.stringify({ pad: 'x'.repeat(9000) }), KEY);
  assert.throws(() => jwtVerify(core, big, { key: KEY, now: 0 }), refused('oversized', 'limit-exceeded'));
  jwtVerify(core, big, { key: KEY, now: 0, maxSize: 16384 });
});

// Axinom's documented example communication key and id.
const COM_KEY_B64 = 'RPSdG/fViTkTjcuG3fcRXL2JDchGThWQ/tfSNHAoG+A=';
const COM_KEY = Buffer.from(COM_KEY_B64, 'base64');
const COM_KEY_ID = 'aa0151d7-081c-4699-a049-fc584556c9d2';
const KID = 'cd7eb9ff-88f3-4cae-b061-85b00024e4c2';
const CONTENT_KEY = Buffer.from('63cb5f7184dd4b689a5c5ff11ee6a328', 'hex');
const kidBytes = (uuid) => Buffer.from(uuid.replace(/-/g, ''), 'hex');

test('a hand-made Axinom v2 token (Node AES-256-CBC, IV = KID) is verified and its key decrypted', () => {
  const cipher = createCipheriv('aes-256-cbc', COM_KEY, kidBytes(KID)).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(CONTENT_KEY), cipher.final()]).toString('base64');
  const envelope = {
    version: 1, com_key_id: COM_KEY_ID, id: 'm-1', expiration_date: '2030-01-01T00:00:00Z',
    message: {
      type: 'entitlement_message', version: 2, license: { allow_persistence: true },
      content_keys_source: { inline: [{ id: KID, encrypted_key: encrypted }] },
    },
  };
  const token = hmacToken('{"alg":"HS256","typ":"JWT"}', JSON.stringify(envelope), COM_KEY);
  const ent = verifyEntitlement(core, token, { communicationKey: COM_KEY_B64, comKeyId: COM_KEY_ID, now: 1.7e9 });
  assert.equal(ent.id, 'm-1');
  assert.equal(ent.allowPersistence, true);
  assert.equal(ent.tokenExpiration, Date.UTC(2030, 0, 1) / 1000);
  assert.equal(ent.kids.length, 1);
  assert.deepEqual(Buffer.from(ent.kids[0].kid), kidBytes(KID));
  assert.deepEqual(Buffer.from(ent.kids[0].key), CONTENT_KEY);
  assert.throws(() => verifyEntitlement(core, token, { communicationKey: COM_KEY, now: Date.UTC(2030, 0, 1) / 1000 }),
    refused('expired'));
  assert.throws(() => verifyEntitlement(core, token, { communicationKey: COM_KEY, now: 1.7e9, requestedKids: [KID, '00112233445566778899aabbccddeeff'] }),
    (e) => refused('kid-not-entitled')(e) && e.message.includes('00112233445566778899aabbccddeeff'));
  assert.throws(() => verifyEntitlement(core, token, { communicationKey: COM_KEY, comKeyId: '12196546-a312-4a4e-ab65-c19bccce1adf', now: 1.7e9 }),
    refused('com-key-id'));
});

test('makeEntitlement round trip, and key selection by com_key_id', () => {
  const token = makeEntitlement(core, {
    communicationKey: COM_KEY, comKeyId: COM_KEY_ID, id: 'm-2', beginDate: 1000, expirationDate: new Date(3000 * 1000),
    keys: [{ kid: KID, key: CONTENT_KEY, usagePolicy: 'HD' }, { kid: '00000000000000000000000000000001' }],
    licenseExpiration: 5000, duration: 60,
  });
  const keys = new Map([[COM_KEY_ID, COM_KEY]]);
  const ent = verifyEntitlement(core, token, { communicationKey: (id) => keys.get(id) ?? null, now: 2000 });
  assert.equal(ent.comKeyId, COM_KEY_ID);
  assert.equal(ent.messageVersion, 2);
  assert.equal(ent.allowPersistence, false);
  assert.equal(ent.licenseExpiration, 5000);
  assert.equal(ent.duration, 60);
  assert.deepEqual(ent.kids.map((k) => [Buffer.from(k.kid).toString('hex'), k.key && Buffer.from(k.key).toString('hex'), k.usagePolicy]), [
    ['cd7eb9ff88f34caeb06185b00024e4c2', '63cb5f7184dd4b689a5c5ff11ee6a328', 'HD'],
    ['00000000000000000000000000000001', null, null],
  ]);
  assert.throws(() => verifyEntitlement(core, token, { communicationKey: () => null, now: 2000 }), refused('com-key-id'));
  assert.throws(() => verifyEntitlement(core, token, { communicationKey: COM_KEY, now: 999 }), refused('not-yet-valid'));
  const tampered = token.replace(/\.[^.]+\./, `.${b64url('{"version":1,"com_key_id":"x","message":{}}')}.`);
  assert.throws(() => verifyEntitlement(core, tampered, { communicationKey: COM_KEY, now: 2000 }), refused('signature'));
});

test('PlayReady key seed: Microsoft test seed vectors', () => {
  const seed = 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I';
  // Azure Media Services SDK test PlayReadyContentKeyGenerationKnownGoodTest.
  const key = keySeedDerive(core, seed, '339C45B5-FB6D-4BD9-994C-EABD9D41C95B');
  assert.equal(Buffer.from(key).toString('base64'), 'pTfNwMplhBQG1SXnvyLXVA==');
  const key2 = keySeedDerive(core, Buffer.from(seed, 'base64'), kidBytes('8ba94ade-6eb9-449d-b44f-a5beefaf43b0'));
  assert.equal(Buffer.from(key2).toString('hex'), 'dbfd6922c321c4bb486f4a1c44097ed6');
  assert.throws(() => keySeedDerive(core, Buffer.alloc(29), KID), (e) => e.code === 'invalid-argument');
});

// A second implementation of Microsoft's PlayReady key-seed algorithm (learn.microsoft.com/
// playready/specifications/playready-key-seed) on node:crypto: the seed cut to 30 bytes, the
// KID as .NET Guid.ToByteArray() (Data1, Data2, Data3 little-endian), three SHA-256 digests
// folded by XOR of their halves.
function referenceKeySeedDerive(seed, uuidKid) {
  const s = Buffer.from(seed).subarray(0, 30);
  const u = Buffer.from(uuidKid);
  const k = Buffer.alloc(16);
  k.writeUInt32LE(u.readUInt32BE(0), 0);
  k.writeUInt16LE(u.readUInt16BE(4), 4);
  k.writeUInt16LE(u.readUInt16BE(6), 6);
  u.copy(k, 8, 8);
  const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const digests = [sha(s, k), sha(s, k, s), sha(s, k, s, k)];
  const key = Buffer.alloc(16);
  for (let i = 0; i < 16; ++i) for (const d of digests) key[i] ^= d[i] ^ d[i + 16];
  return key;
}

test('PlayReady key seed: the reference implementation reproduces the published vector', () => {
  // The oracle itself, on Microsoft's test seed and the Azure SDK's known-good Guid.
  const key = referenceKeySeedDerive(Buffer.from('XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I', 'base64'),
    kidBytes('339C45B5-FB6D-4BD9-994C-EABD9D41C95B'));
  assert.equal(key.toString('base64'), 'pTfNwMplhBQG1SXnvyLXVA==');
});

test('PlayReady key seed: equals the reference implementation on 200 seeds and KIDs', () => {
  let state = 0x2545f491;
  const next = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state & 0xff; };
  const bytes = (n) => Buffer.from(Array.from({ length: n }, next));
  for (let i = 0; i < 200; ++i) {
    const seed = bytes(30 + (i % 20));  // longer seeds: only the first 30 bytes count
    const kid = bytes(16);
    const expected = referenceKeySeedDerive(seed, kid).toString('hex');
    assert.equal(Buffer.from(keySeedDerive(core, seed, kid)).toString('hex'), expected, `vector ${i}`);
    // Each text form of the seed gives the same key.
    for (const text of [seed.toString('hex'), `0x${seed.toString('hex')}`, seed.toString('base64'),
      seed.toString('base64').replace(/=+$/, ''), seed.toString('base64url')]) {
      assert.equal(Buffer.from(keySeedDerive(core, text, kid)).toString('hex'), expected, `vector ${i}, seed '${text}'`);
    }
  }
});

test('PlayReady key seed text: Axinom\'s 40-character test seed is base64, not 20 bytes of hex', () => {
  const axinom = '8888000000000000000000000000000000000000';
  assert.deepEqual(Buffer.from(keySeedDecode(core, axinom)), Buffer.from(axinom, 'base64'));
  assert.equal(Buffer.from(axinom, 'base64').length, 30);
  // Keys also computed with Python (hashlib, uuid.bytes_le), a third implementation.
  for (const [uuid, key] of [['339C45B5-FB6D-4BD9-994C-EABD9D41C95B', 'ad5ac413486c11eb95d10bb9bf6b5d7f'],
    ['11111111-0000-0000-0000-000000000000', 'f66648d5cacec4959faae177b09faa86']]) {
    assert.equal(referenceKeySeedDerive(Buffer.from(axinom, 'base64'), kidBytes(uuid)).toString('hex'), key);
    assert.equal(Buffer.from(keySeedDerive(core, axinom, uuid)).toString('hex'), key);
  }
  // 60 hex digits are 30 bytes of hex (and 45 of base64): hex, as before.
  const hex60 = Buffer.from('XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I', 'base64').toString('hex');
  assert.equal(Buffer.from(keySeedDecode(core, hex60)).toString('hex'), hex60);
  const tooShort = (e) => e instanceof WasmEmeError && e.code === 'invalid-argument' && /at least 30/.test(e.message);
  assert.throws(() => keySeedDecode(core, '00112233445566778899'), tooShort);
  assert.throws(() => keySeedDerive(core, Buffer.alloc(29).toString('base64'), KID), tooShort);
  assert.throws(() => keySeedDecode(core, 'secret seed!'), (e) => e.code === 'invalid-argument' && !e.message.includes('secret'));
});

test('OAuth Core 1.0 appendix A signature; the signed request verifies', () => {
  const signed = oauthSign(core, {
    method: 'GET', url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
    consumerKey: 'dpf43f3p2l4k3l03', consumerSecret: 'kd94hf93k423kf44',
    token: 'nnch734d00sl2jdk', tokenSecret: 'pfkkdhi9sl3r4s00',
    nonce: 'kllo9940pd9333jh', timestamp: 1191242096,
  });
  assert.equal(signed.signature, 'tR3+Ty81lMeYAr/Fid0kMTYa/WM=');
  assert.equal(signed.signature, createHmac('sha1', 'kd94hf93k423kf44&pfkkdhi9sl3r4s00').update(signed.baseString).digest('base64'));
  const secrets = (consumerKey, token) => (consumerKey === 'dpf43f3p2l4k3l03' && token === 'nnch734d00sl2jdk'
    ? { consumerSecret: 'kd94hf93k423kf44', tokenSecret: 'pfkkdhi9sl3r4s00' } : null);
  const request = { method: 'GET', url: 'http://photos.example.net/photos?file=vacation.jpg&size=original', headers: { Authorization: signed.authorization } };
  const result = oauthVerify(core, request, { lookupSecrets: secrets, now: 1191242096 + 60 });
  assert.deepEqual(result, {
    consumerKey: 'dpf43f3p2l4k3l03', token: 'nnch734d00sl2jdk', nonce: 'kllo9940pd9333jh',
    timestamp: 1191242096, version: '1.0', realm: '',
  });
  assert.throws(() => oauthVerify(core, request, { lookupSecrets: secrets, now: 1191242096 + 301 }), refused('timestamp'));
  assert.throws(() => oauthVerify(core, request, { lookupSecrets: () => null, now: 1191242096 }), refused('unknown-client'));
  assert.throws(() => oauthVerify(core, { ...request, url: request.url.replace('vacation', 'other') }, { lookupSecrets: secrets, now: 1191242096 }),
    refused('signature'));
  assert.throws(() => oauthVerify(core, request, { lookupSecrets: async () => secrets(), now: 1191242096 }), TypeError);
});

test('RFC 5849 1.2 request and a form body through oauthVerify', () => {
  const photo = {
    method: 'GET', url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
    headers: { authorization: 'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
      + 'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
      + 'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"' },
  };
  const lookupSecrets = () => ({ consumerSecret: 'kd94hf93k423kf44', tokenSecret: 'pfkkdhi9sl3r4s00' });
  assert.equal(oauthVerify(core, photo, { lookupSecrets, now: 137131202 }).realm, 'Photos');

  const signed = oauthSign(core, {
    method: 'POST', url: 'http://127.0.0.1:8080/license', params: { payload: 'a+b c' },
    consumerKey: 'ck', consumerSecret: 'cs', nonce: 'n', timestamp: 1700000000, version: '',
  });
  const form = { method: 'POST', url: 'http://127.0.0.1:8080/license', body: 'payload=a%2Bb+c',
    headers: { authorization: signed.authorization, 'content-type': 'application/x-www-form-urlencoded' } };
  const ok = oauthVerify(core, form, { lookupSecrets: () => ({ consumerSecret: 'cs', tokenSecret: '' }), now: 1700000000 });
  assert.equal(ok.consumerKey, 'ck');
  assert.throws(() => oauthVerify(core, { ...form, body: 'payload=changed' }, { lookupSecrets: () => ({ consumerSecret: 'cs' }), now: 1700000000 }),
    refused('signature'));
  assert.throws(() => oauthVerify(core, { ...form, headers: { authorization: `${signed.authorization}, oauth_nonce="x"` } },
    { lookupSecrets: () => ({ consumerSecret: 'cs' }), now: 1700000000 }), (e) => e.code === 'malformed');
});
