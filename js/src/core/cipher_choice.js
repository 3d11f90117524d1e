// Which AES backend a page's stream decryptor uses (install({cipher})): 'webcrypto' where the
// context has it (secure contexts), else the module's own AES ('wasm'); 'auto' picks the first.
// Measured in headless Chromium (README, Performance): WebCrypto runs AES-CTR several times
// faster than the module and in parallel across samples.
import { WebCryptoCipher, hasWebCrypto } from './cipher_webcrypto.js';

export const CIPHERS = ['auto', 'webcrypto', 'wasm'];

/** A new cipher for one stream, or null for the module's own AES. */
export function makeCipher(choice = 'auto') {
  if (!CIPHERS.includes(choice)) throw new TypeError(`cipher must be one of ${CIPHERS.join(', ')}, not ${choice}`);
  if (choice === 'wasm') return null;
  if (hasWebCrypto()) return new WebCryptoCipher();
  if (choice === 'webcrypto') throw Object.assign(new Error('WebCrypto is not available here (not a secure context?)'), { code: 'unsupported' });
  return null;
}
