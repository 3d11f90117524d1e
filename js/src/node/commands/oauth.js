// wasm-eme oauth sign: an OAuth 1.0 HMAC-SHA1 Authorization header for a request (RFC 5849).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { oauthSign } from '../../core/auth.js';
import { UsageError } from '../cli_util.js';

export default {
  name: 'oauth',
  summary: 'sign a request with OAuth 1.0 (HMAC-SHA1)',
  usage: `usage: wasm-eme oauth sign --consumer-key K --consumer-secret S [--token T --token-secret TS]
                       [--method POST] [--param NAME=VALUE ...] [--nonce N] [--timestamp S]
                       [--realm R] [--no-version] [--verbose] URL
  prints the Authorization header value for the request (RFC 5849 section 3.5.1)
  URL          the request URL; its query parameters are signed
  --param      a form body parameter (application/x-www-form-urlencoded), signed too
  --nonce, --timestamp  fixed values (default: random nonce, the current time)
  --realm      adds realm="R" to the header (not signed)
  --no-version leaves out oauth_version (it is optional; RFC 5849's examples omit it)
  --verbose    also prints the signature base string and the signature
  secrets may be given as @FILE to keep them off the command line`,
  options: {
    'consumer-key': { type: 'string' },
    'consumer-secret': { type: 'string' },
    token: { type: 'string' },
    'token-secret': { type: 'string' },
    method: { type: 'string' },
    param: { type: 'string', multiple: true },
    nonce: { type: 'string' },
    timestamp: { type: 'string' },
    realm: { type: 'string' },
    'no-version': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run({ core, values, positionals, stdout }) {
    const [action, url, ...rest] = positionals;
    if (action !== 'sign') throw new UsageError(action ? `unknown action '${action}': sign` : 'no action: sign');
    if (!url) throw new UsageError('no URL');
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (!values['consumer-key']) throw new UsageError('no --consumer-key');
    if (values['consumer-secret'] === undefined) throw new UsageError('no --consumer-secret');
    if ((values.token === undefined) !== (values['token-secret'] === undefined)) {
      throw new UsageError('--token and --token-secret go together');
    }
    if (values.timestamp !== undefined && !/^\d{1,12}$/.test(values.timestamp)) {
      throw new UsageError(`--timestamp '${values.timestamp}' is not seconds since 1970`);
    }
    const secret = async (v) => (v?.startsWith('@') ? (await readFile(v.slice(1), 'utf8')).trim() : v);
    const params = (values.param || []).map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param '${p}' is not NAME=VALUE`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    });
    const request = {
      method: (values.method || 'POST').toUpperCase(),
      url,
      params,
      consumerKey: values['consumer-key'],
      consumerSecret: await secret(values['consumer-secret']),
    };
    if (values.token !== undefined) {
      request.token = values.token;
      request.tokenSecret = await secret(values['token-secret']);
    }
    if (values.realm !== undefined) request.realm = values.realm;
    if (values['no-version']) request.version = '';
    request.nonce = values.nonce ?? randomBytes(16).toString('hex');
    request.timestamp = values.timestamp !== undefined ? Number(values.timestamp) : Math.floor(Date.now() / 1000);
    const signed = oauthSign(core, request);
    if (values.verbose) {
      stdout.write(`base string: ${signed.baseString}\nsignature:   ${signed.signature}\nAuthorization: `);
    }
    stdout.write(signed.authorization + '\n');
  },
};
