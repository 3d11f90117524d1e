// wasm-eme for Node (package.json "exports": "wasm-eme" under the "node" condition, and
// "wasm-eme/node"): the browser entry (so that code shared with a page, or rendered on a
// server, imports the same names), plus the CLI, the license server and proxy, the packager
// and the core wrappers. Nothing here runs on import.
//
//   import { loadCore, StreamDecryptor, createServer, encryptFile } from 'wasm-eme';
export * from '../index.js';

export { loadCore, Core, WasmEmeError } from '../core/module.js';
export { inspect } from '../core/decryptor.js';
export { StreamDecryptor } from './stream_decryptor.js';
export { NodeCipher } from './cipher_node.js';
export { WebCryptoCipher } from '../core/cipher_webcrypto.js';
export { ClearKeyCdm } from '../core/cdm.js';
export { LicenseExchange } from '../core/license.js';
export {
  jwtSign, jwtVerify, verifyEntitlement, makeEntitlement, keySeedDerive, oauthSign, oauthVerify,
} from '../core/auth.js';
export {
  Packager, TrackSplitter, encryptFile, generateKey, toJwkSet, dashRepresentations, dashMpd, protectMpd,
  hlsSupports, hlsMediaPlaylist, hlsMultivariantPlaylist, COMMON_SYSTEM_ID, CLEAR_KEY_SYSTEM_ID,
} from '../core/packager.js';
export {
  createServer, ConfigError, normalizeConfig, MemoryStore, RedisStore, parseKeyFile,
} from './server/index.js';
/** The command line: `await main(['decrypt', '--key', 'KID:KEY', 'in.mp4', '-o', 'out.mp4'])` -> exit code. */
export { main } from './cli.js';
