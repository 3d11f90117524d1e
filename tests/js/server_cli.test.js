// The CLI around the server: wasm-eme keyseed, jwt, oauth (checked against published vectors)
// and `wasm-eme serve` as a process (config from flags, JSON logs, SIGTERM shutdown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './testdata.js';
import { entitlementToken, request, uuidBytes } from './server_testlib.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasm-eme-server-cli-'));
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

// RFC 7515 appendix A.1: the HS256 example JWS, its key (JWK "k") and its payload.
const RFC7515_KEY = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
const RFC7515_JWS = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
  '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
  '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

test('keyseed: Microsoft\'s test seed gives the published content key', () => {
  // Seed and KID 01020304-0506-0708-090A-AABBCCDDEEFF -> GUf166PQbx+sgBADjyBMvw== (see server.test.js).
  const r = run('keyseed', '--seed', 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I', '--kid', '01020304-0506-0708-090A-AABBCCDDEEFF');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `0102030405060708090aaabbccddeeff:${Buffer.from('GUf166PQbx+sgBADjyBMvw==', 'base64').toString('hex')}\n`);
  const jwk = run('keyseed', '--seed', 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I', '--kid', '01020304-0506-0708-090A-AABBCCDDEEFF', '--format', 'jwk');
  assert.equal(jwk.status, 0, jwk.stderr);
  assert.deepEqual(JSON.parse(jwk.stdout), { keys: [{ kty: 'oct', kid: 'AQIDBAUGBwgJCqq7zN3u_w', k: 'GUf166PQbx-sgBADjyBMvw' }] });
  const short = run('keyseed', '--seed', '00112233445566778899', '--kid', '01020304-0506-0708-090A-AABBCCDDEEFF');
  assert.equal(short.status, 1);
  assert.match(short.stderr, /^wasm-eme keyseed: .*30/);
  assert.equal(run('keyseed', '--kid', '00').status, 2);
  // Axinom's test seed is 40 characters of base64 (30 bytes); key from Python's hashlib.
  const axinom = run('keyseed', '--seed', '8888000000000000000000000000000000000000', '--kid', '11111111-0000-0000-0000-000000000000');
  assert.equal(axinom.status, 0, axinom.stderr);
  assert.equal(axinom.stdout, '11111111000000000000000000000000:f66648d5cacec4959faae177b09faa86\n');
  const help = run('keyseed', '--help');
  assert.match(help.stdout + help.stderr, /hex \(0x optional\)\s+when it gives >= 30 bytes, else base64 or base64url/);
});

test('jwt verify: RFC 7515 appendix A.1, over the received bytes (its header has line breaks)', () => {
  const r = run('jwt', 'verify', '--key', RFC7515_KEY, '--now', '1300819000', RFC7515_JWS);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    header: { typ: 'JWT', alg: 'HS256' },
    payload: { iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true },
  });
  const expired = run('jwt', 'verify', '--key', RFC7515_KEY, '--now', '1300819500', RFC7515_JWS);
  assert.equal(expired.status, 1);
  assert.match(expired.stderr, /^wasm-eme jwt: expired/);
  const skewed = run('jwt', 'verify', '--key', RFC7515_KEY, '--now', '1300819500', '--clock-skew', '200', RFC7515_JWS);
  assert.equal(skewed.status, 0, skewed.stderr);
  const [h, p, s] = RFC7515_JWS.split('.');
  const changed = Buffer.from('{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":false}').toString('base64url');
  const tampered = run('jwt', 'verify', '--key', RFC7515_KEY, '--now', '1300819000', `${h}.${changed}.${s}`);
  assert.equal(tampered.status, 1);
  assert.match(tampered.stderr, /signature/);
  const none = run('jwt', 'verify', '--key', RFC7515_KEY, '--now', '1300819000', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /algorithm/);
});

test('jwt sign: an HS256 token whose MAC node:crypto confirms', () => {
  const key = Buffer.alloc(32, 0x42);
  const r = run('jwt', 'sign', '--key', key.toString('hex'), '--payload', '{"sub":"viewer-1","exp":4102444800}');
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  const [h, p, s] = token.split('.');
  assert.equal(s, createHmac('sha256', key).update(`${h}.${p}`).digest('base64url'));
  assert.equal(JSON.parse(Buffer.from(h, 'base64url')).alg, 'HS256');
  assert.deepEqual(JSON.parse(Buffer.from(p, 'base64url')), { sub: 'viewer-1', exp: 4102444800 });
  const short = run('jwt', 'sign', '--key', Buffer.alloc(16).toString('hex'), '--payload', '{}');
  assert.equal(short.status, 1, 'keys under 256 bits are refused');
  assert.equal(run('jwt', 'sign', '--key', key.toString('hex'), '--payload', '[1]').status, 2);
  assert.equal(run('jwt', 'frobnicate').status, 2);
});

test('jwt entitlement and check: a token the server profile accepts, with encrypted keys', () => {
  const comKey = Buffer.alloc(32, 0x24).toString('hex');
  const comKeyId = '6e5a1d26-2757-47d7-8046-eaa5d1d34b5a';
  const r = run('jwt', 'entitlement', '--communication-key', comKey, '--com-key-id', comKeyId,
    '--kid', '4060a865-8878-4267-9cbf-91ae5bae1e72', '--key', 'cd7eb9ff88f34caeb06185b00024e4c2:63cb5f7184dd4b689a5c5ff11ee6a328',
    '--persistent', '--id', 'cli-1', '--expires-in', '600');
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  const [h, p, s] = token.split('.');
  assert.equal(s, createHmac('sha256', Buffer.from(comKey, 'hex')).update(`${h}.${p}`).digest('base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  assert.equal(payload.com_key_id, comKeyId);
  assert.equal(payload.id, 'cli-1');
  const check = run('jwt', 'check', '--communication-key', comKey, '--com-key-id', comKeyId, token);
  assert.equal(check.status, 0, check.stderr);
  const e = JSON.parse(check.stdout);
  assert.equal(e.allowPersistence, true);
  assert.deepEqual(e.kids.map(({ kid, key }) => ({ kid, key })), [
    { kid: '4060a865-8878-4267-9cbf-91ae5bae1e72', key: null },
    { kid: 'cd7eb9ff-88f3-4cae-b061-85b00024e4c2', key: '63cb5f7184dd4b689a5c5ff11ee6a328' },
  ]);
  const wrong = run('jwt', 'check', '--communication-key', Buffer.alloc(32, 1).toString('hex'), token);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /signature/);
});

test('oauth sign: OAuth Core 1.0 appendix A and RFC 5849 sections 1.2 and 3.4.1.1 examples', () => {
  const r = run('oauth', 'sign', '--method', 'GET', '--consumer-key', 'dpf43f3p2l4k3l03', '--consumer-secret', 'kd94hf93k423kf44',
    '--token', 'nnch734d00sl2jdk', '--token-secret', 'pfkkdhi9sl3r4s00', '--nonce', 'kllo9940pd9333jh',
    '--timestamp', '1191242096', '--verbose', 'http://photos.example.net/photos?file=vacation.jpg&size=original');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^base string: GET&http%3A%2F%2Fphotos\.example\.net%2Fphotos&file%3Dvacation\.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1\.0%26size%3Doriginal$/m);
  assert.match(r.stdout, /^signature: +tR3\+Ty81lMeYAr\/Fid0kMTYa\/WM=$/m);
  const header = r.stdout.match(/^Authorization: (OAuth .*)$/m)[1];
  assert.match(header, /oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"/);
  assert.match(header, /oauth_consumer_key="dpf43f3p2l4k3l03"/);
  // RFC 5849 section 1.2, the final request of the example: realm "Photos", no oauth_version.
  const r2 = run('oauth', 'sign', '--method', 'GET', '--consumer-key', 'dpf43f3p2l4k3l03', '--consumer-secret', 'kd94hf93k423kf44',
    '--token', 'nnch734d00sl2jdk', '--token-secret', 'pfkkdhi9sl3r4s00', '--nonce', 'chapoH', '--timestamp', '137131202',
    '--realm', 'Photos', '--no-version', '--verbose', 'http://photos.example.net/photos?file=vacation.jpg&size=original');
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /^signature: +MdpQcU8iPSUjWoN\/UDMsK2sui9I=$/m);
  assert.match(r2.stdout, /^Authorization: OAuth realm="Photos", /m);
  assert.doesNotMatch(r2.stdout, /oauth_version/);
  // RFC 5849 section 3.4.1.1: the signature base string of its example request (query with
  // encoded names and values, a form body with a repeated name).
  const r3 = run('oauth', 'sign', '--consumer-key', '9djdj82h48djs9d2', '--consumer-secret', 'x', '--token', 'kkk9d7dh3k39sjv7',
    '--token-secret', 'y', '--nonce', '7d8f3e4a', '--timestamp', '137131201', '--no-version', '--param', 'c2=', '--param', 'a3=2 q',
    '--verbose', 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
  assert.equal(r3.status, 0, r3.stderr);
  assert.equal(r3.stdout.split('\n')[0], 'base string: POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q' +
    '%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a' +
    '%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7');
  assert.equal(run('oauth', 'sign', 'http://x/').status, 2, 'missing consumer key is a usage error');
});

test('serve: starts from flags, issues a license, logs JSON, stops on SIGTERM', async () => {
  const comKey = Buffer.alloc(32, 0x33);
  const keyFile = join(tmp, 'keys.txt');
  writeFileSync(keyFile, '4060a865-8878-4267-9cbf-91ae5bae1e72:fc35340837310cc0fb53de97e22a69e0\n');
  const comKeyFile = join(tmp, 'com-key.txt');
  writeFileSync(comKeyFile, `${comKey.toString('base64')}\n`);
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--key-file', keyFile,
    '--communication-key', `@${comKeyFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    for (let i = 0; i < 200 && !/"msg":"listening"/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    const listening = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'listening');
    assert.ok(listening, `no listening line: ${out} ${err}`);
    assert.deepEqual(listening.routes, ['license']);
    assert.equal(listening.keyCount, 1);
    const kid = uuidBytes('4060a865-8878-4267-9cbf-91ae5bae1e72').toString('base64url');
    const token = entitlementToken({ comKey, comKeyId: 'any', keys: [{ kid: '4060a865-8878-4267-9cbf-91ae5bae1e72' }], exp: Math.floor(Date.now() / 1000) + 60 });
    const res = await request(`${listening.url}/license`, { body: JSON.stringify({ kids: [kid], type: 'temporary' }), headers: { 'X-AxDRM-Message': token } });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json.keys[0].k, Buffer.from('fc35340837310cc0fb53de97e22a69e0', 'hex').toString('base64url'));
    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, err);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.msg), ['listening', 'request', 'draining', 'closed']);
    assert.ok(!out.includes(token) && !out.includes('fc35340837310cc0fb53de97e22a69e0'), 'no token or key in the log');
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve: --communication-key ID:KEY repeated for a key rollover', async () => {
  const previous = { id: 'key-2025', key: Buffer.alloc(32, 0x41) };
  const current = { id: 'key-2026', key: Buffer.alloc(32, 0x42) };
  const keyFile = join(tmp, 'rollover-keys.txt');
  writeFileSync(keyFile, '4060a865-8878-4267-9cbf-91ae5bae1e72:fc35340837310cc0fb53de97e22a69e0\n');
  const currentFile = join(tmp, 'current-com-key.txt');
  writeFileSync(currentFile, `${current.key.toString('base64')}\n`);
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--key-file', keyFile,
    '--communication-key', `${previous.id}:${previous.key.toString('hex')}`, '--communication-key', `${current.id}:@${currentFile}`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 200 && !/"msg":"listening"/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
    const listening = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'listening');
    assert.ok(listening, `no listening line: ${out} ${err}`);
    const kid = '4060a865-8878-4267-9cbf-91ae5bae1e72';
    const body = JSON.stringify({ kids: [uuidBytes(kid).toString('base64url')] });
    for (const { id, key } of [previous, current]) {
      const t = entitlementToken({ comKey: key, comKeyId: id, keys: [{ kid }], exp: Math.floor(Date.now() / 1000) + 60 });
      const res = await request(`${listening.url}/license`, { body, headers: { 'X-AxDRM-Message': t } });
      assert.equal(res.status, 200, `${id}: ${res.body}`);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
  } finally {
    child.kill('SIGKILL');
  }
  const mixed = run('serve', '--communication-key', `a:${'00'.repeat(32)}`, '--communication-key', '11'.repeat(32));
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /every --communication-key needs an ID: when more than one is given/);
  assert.doesNotMatch(mixed.stderr, /1111111111/);
});

test('serve: configuration errors exit 1 naming the member', () => {
  const config = join(tmp, 'bad.json');
  writeFileSync(config, JSON.stringify({ auth: { type: 'none' }, proxy: { path: '/p', upstream: 'ftp://nowhere' } }));
  const r = run('serve', '--config', config);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^wasm-eme serve: config\.proxy\.upstream: scheme ftp: is not http or https/);
  const noAuth = run('serve', '--key-file', config);
  assert.equal(noAuth.status, 1);
  assert.match(noAuth.stderr, /config\.auth: missing/);
  assert.equal(run('serve', '--port', 'eighty').status, 2);
});

test('serve: errors about secrets name the field and the position, never the value', () => {
  // Distinctive secrets, each with one bad character: no part of them may be printed.
  const comKey = `${'9c1f'.repeat(15)}9c1!`;  // 64 characters, the last one bad
  const seed = 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ4*I';  // character 39 bad
  const leaks = (text, secret) => [secret, secret.slice(0, 16), secret.slice(-17, -1)].some((s) => text.includes(s));
  const cases = [
    [['--communication-key', comKey, '--key-seed', 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I'], comKey,
      /communication key \(character 64 of 64 is in none of them\)/],
    [['--no-auth', '--key-seed', seed], seed, /key seed \(character 39 of 40 is in none of them\)/],
  ];
  const comKeyFile = join(tmp, 'bad-com-key.txt');
  writeFileSync(comKeyFile, `${comKey}\n`);
  cases.push([['--communication-key', `@${comKeyFile}`, '--key-seed', 'XVBovsmzhP9gRIZxWfFta3VVRPzVEWmJsazEJ46I'], comKey,
    /communication key \(character 64 of 64/]);
  // A key file whose key has a bad character: the file and line, not the key.
  const badKey = 'fc35340837310cc0fb53de97e22a69e!';
  const keyFile = join(tmp, 'bad-key.txt');
  writeFileSync(keyFile, `4060a865-8878-4267-9cbf-91ae5bae1e72:${badKey}\n`);
  cases.push([['--no-auth', '--key-file', keyFile], badKey, /bad-key\.txt:1: key \(character 32 of 32/]);
  // Config members: the same, and a config file that is not valid JSON next to a secret.
  const config = join(tmp, 'secret-config.json');
  writeFileSync(config, JSON.stringify({ auth: { type: 'entitlement', communicationKey: comKey }, license: { keySeed: seed } }));
  cases.push([['--config', config], comKey, /config\.auth\.communicationKey: communication key \(character 64/]);
  const broken = join(tmp, 'broken-config.json');
  writeFileSync(broken, `{"auth": {"type": "entitlement",\n  "communicationKey": "${comKey}"x}}`);
  cases.push([['--config', broken], comKey, /broken-config\.json: not valid JSON at line 2, column 89/]);
  // An upstream URL with credentials is refused without printing them.
  const creds = join(tmp, 'creds-config.json');
  writeFileSync(creds, JSON.stringify({ auth: { type: 'none' }, proxy: { path: '/p', upstream: `https://user:${comKey}@up.test/` } }));
  cases.push([['--config', creds], comKey, /config\.proxy\.upstream: carries credentials \(user:password@\)/]);
  const jwk = join(tmp, 'broken-keys.json');
  writeFileSync(jwk, `{"keys":[{"kty":"oct","kid":"QGCoZYh4QmecvpGuW64ecg","k":"${badKey}" ]}`);
  cases.push([['--no-auth', '--key-file', jwk], badKey, /broken-keys\.json: not valid JSON at line 1, column 93/]);
  for (const [args, secret, message] of cases) {
    const r = run('serve', '--port', '0', ...args);
    assert.equal(r.status, 1, `${args}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.ok(!leaks(r.stderr + r.stdout, secret), `${args.join(' ')} printed the secret: ${r.stderr}`);
  }
});
