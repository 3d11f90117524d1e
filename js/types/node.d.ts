// Public API of wasm-eme for Node (js/src/node/index.js): "wasm-eme" under the "node" export
// condition, and "wasm-eme/node". Everything of the browser entry, plus the core wrappers,
// the packager, the license server and the CLI. Checked by tests/js/package_tarball.test.js
// (tsc --noEmit over a file that uses it from the installed tarball).

export * from './index.js';

type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;
/** Key material: bytes, or text (hex, UUID, base64 or base64url). */
type KeyText = Uint8Array | string;

/** An error from the wasm core; `code` names the status. */
export class WasmEmeError extends Error {
  constructor(code: number, message: string);
  readonly name: 'WasmEmeError';
  code: 'ok' | 'need-more-data' | 'malformed' | 'unsupported' | 'key-missing' | 'invalid-argument' |
    'crypto-error' | 'limit-exceeded' | 'invalid-state' | 'not-found' | 'denied' | string;
  status: number;
  /** Refusals of the auth core: the reason word (e.g. 'expired', 'signature'). */
  reason?: string;
  /** License template errors: the column / byte they are about. */
  column?: number;
  byte?: number;
}

/** One instance of the wasm module. */
export class Core {
  private constructor();
  call(name: string, ...args: Array<Bytes | string | number | boolean>): Uint8Array;
  callText(name: string, ...args: Array<Bytes | string | number | boolean>): string;
  callJson(name: string, ...args: Array<Bytes | string | number | boolean>): any;
}

/**
 * Loads a module: by default in Node the full one (dist/wasm_eme.wasm next to the loader), in
 * browsers the browser module (dist/wasm_eme_web[_simd].wasm); flavor picks one explicitly.
 */
export function loadCore(options?: {
  flavor?: 'node' | 'web';
  simd?: boolean;
  wasmBinary?: Uint8Array | ArrayBuffer;
  wasmUrl?: string | URL;
  wasmSimdUrl?: string | URL;
}): Promise<Core>;

export interface StreamResult {
  /** Clear bytes ready for the next consumer. */
  output: Uint8Array;
  /** Init segments seen: their pssh boxes and default KIDs. */
  inits: { pssh: Uint8Array; defaultKids: Uint8Array[] }[];
  /** The pssh boxes of each moof that carries some (key rotation), once per moof. */
  moofPssh: Uint8Array[];
  /** The KID the stream stopped before (setKey() it and push an empty buffer to resume). */
  missingKid: Uint8Array | null;
}

/**
 * An AES backend for StreamDecryptor: it decrypts one chain (a CTR keystream or a CBC chain)
 * of gathered bytes. NodeCipher (OpenSSL) and WebCryptoCipher are the two shipped.
 */
export interface Cipher {
  readonly kind: string;
  readonly async: boolean;
  /** CBC input ends with one block that decrypts to a full block of PKCS#7 padding. */
  readonly needsCbcPadBlocks: boolean;
  setKey(kid: Uint8Array, key: Uint8Array): void;
  removeKey(kid: Uint8Array): void;
  ready(): void | Promise<void>;
  ctr(kidHex: string, iv: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  cbc(kidHex: string, iv: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Node's crypto (OpenSSL, AES-NI): synchronous. */
export class NodeCipher implements Cipher {
  readonly kind: 'node';
  readonly async: false;
  readonly needsCbcPadBlocks: false;
  setKey(kid: Uint8Array, key: Uint8Array): void;
  removeKey(kid: Uint8Array): void;
  ready(): void;
  ctr(kidHex: string, iv: Uint8Array, data: Uint8Array): Uint8Array;
  cbc(kidHex: string, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** WebCrypto (`crypto.subtle`, or the one given): asynchronous; use pushAsync/flushAsync. */
export class WebCryptoCipher implements Cipher {
  constructor(subtle?: SubtleCrypto);
  readonly kind: 'webcrypto';
  readonly async: true;
  readonly needsCbcPadBlocks: true;
  setKey(kid: Uint8Array, key: Uint8Array): void;
  removeKey(kid: Uint8Array): void;
  ready(): Promise<void>;
  ctr(kidHex: string, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  cbc(kidHex: string, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
}

export interface StreamDecryptorOptions {
  /** Where the AES runs: Node's crypto by default; null keeps it in the wasm module. */
  cipher?: Cipher | null;
  /** Chains smaller than this (bytes) run in the module; 0 sends every chain to the cipher. */
  minCipherBytes?: number;
  /**
   * The stream is a file (default true): a tfhd base_data_offset is a position counted from the
   * first byte pushed. false: an MSE byte stream, where base-data-offset-present is an error.
   */
  file?: boolean;
}

/** Incremental Common Encryption decryption (cenc, cbcs, cens, cbc1) of a fragmented MP4 stream. */
export class StreamDecryptor {
  constructor(core: Core, options?: StreamDecryptorOptions);
  /** 'wasm', 'node' or 'webcrypto'. */
  readonly backend: string;
  setKey(kid: Uint8Array, key: Uint8Array): void;
  removeKey(kid: Uint8Array): void;
  /** Synchronous ciphers only (the module's, Node's). */
  push(bytes: Uint8Array): StreamResult;
  flush(): StreamResult;
  /** Any cipher. onChunk gets clear prefixes of the output as soon as they are decrypted. */
  pushAsync(bytes: Uint8Array, onChunk?: (chunk: Uint8Array) => void): Promise<StreamResult>;
  flushAsync(): Promise<StreamResult>;
  reset(): void;
  dispose(): void;
}

/** The encryption layout (tracks, schemes, KIDs, pssh, fragments) of an MP4, as `wasm-eme inspect` prints it. */
export function inspect(core: Core, bytes: Uint8Array): any;

export type KeyStatus = { kid: Uint8Array; status: string };

/** The Clear Key CDM behind the polyfill, usable directly. */
export class ClearKeyCdm {
  constructor(core: Core);
  createSession(sessionType?: 'temporary' | 'persistent-license'): string;
  generateRequest(sessionId: string, initDataType: string, initData: Bytes): Uint8Array;
  update(sessionId: string, response: Bytes): KeyStatus[];
  keyStatuses(sessionId: string): KeyStatus[];
  close(sessionId: string): void;
  remove(sessionId: string): { message: Uint8Array | null; keyStatuses: KeyStatus[] };
  load(sessionId: string): boolean;
  sessionState(sessionId: string): 'uninitialized' | 'pending' | 'active' | 'released' | 'closed';
  getKey(kid: Bytes): Uint8Array | null;
  dispose(): void;
  static extractKeyIds(core: Core, initDataType: string, initData: Bytes): Uint8Array[];
  static makeLicenseRequest(core: Core, kids: Uint8Array[], sessionType?: string): string;
  static parseLicense(core: Core, response: Bytes): { keys: { kid: Uint8Array; key: Uint8Array }[]; type: string | null };
  static makeJwkSet(core: Core, keys: { kid: Uint8Array; key: Uint8Array }[], type?: string | null): string;
}

/** License exchange templates (docs/license-templates.md): wrap a CDM message, unwrap the answer. */
export class LicenseExchange {
  private constructor();
  /** Kodi license_key / drm_legacy strings, inputstream.adaptive.drm JSON, or the JSON configuration. */
  static fromConfig(core: Core, config: string | object, options?: { keySystem?: string }): LicenseExchange;
  /** What a string (or object) means, as the JSON configuration. */
  static toJsonConfig(core: Core, config: string | object, options?: { keySystem?: string }): any;
  readonly config: any;
  /** Clear Key keys given in the configuration ({kidHex: keyHex}), or null. */
  readonly keys: Record<string, string> | null;
  wrapRequest(request?: { challenge?: Bytes | null; sessionId?: string; kid?: Bytes | null; pssh?: Bytes | null; url?: string }):
    { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body: Uint8Array | null };
  unwrapResponse(body: Bytes, options?: { contentType?: string; challenge?: Bytes | null }): { license: Uint8Array; hdcp: string | null };
  dispose(): void;
}

// ---- tokens and signatures (js/src/core/auth.js) ---------------------------------------------

export function jwtSign(core: Core, options: { payload: object; key: KeyText; header?: object }): string;
export function jwtVerify(core: Core, token: string, options: { key: KeyText; now?: number; clockSkew?: number; maxSize?: number }):
  { header: any; payload: any };
export interface Entitlement {
  id: string | null;
  comKeyId: string;
  messageVersion: number;
  kids: { kid: Uint8Array; key: Uint8Array | null; usagePolicy: string | null; seedId: string | null }[];
  anyKid: boolean;
  allowPersistence: boolean;
  preventReuse: boolean;
  tokenExpiration: number | null;
  licenseStart: number | null;
  licenseExpiration: number | null;
  duration: number | null;
  header: any;
  payload: any;
}
export function verifyEntitlement(core: Core, token: string, options: {
  communicationKey: KeyText | ((comKeyId: string) => KeyText | null);
  comKeyId?: string; requestedKids?: Uint8Array[]; now?: number; clockSkew?: number; maxSize?: number;
}): Entitlement;
export function makeEntitlement(core: Core, spec: {
  communicationKey: KeyText; comKeyId: string; id?: string;
  beginDate?: number | Date; expirationDate?: number | Date; messageVersion?: 1 | 2;
  keys?: { kid: KeyText; key?: KeyText; usagePolicy?: string }[];
  anyKid?: boolean; allowPersistence?: boolean; licenseStart?: number | Date; licenseExpiration?: number | Date; duration?: number;
}): string;
/** PlayReady key seed derivation: the 16-byte content key of a KID. */
/**
 * PlayReady key-seed derivation. A text seed is hex when that gives >= 30 bytes, else base64 or
 * base64url (Axinom's 40-character test seed is base64).
 */
export function keySeedDerive(core: Core, seed: KeyText, kid: KeyText): Uint8Array;
export function oauthSign(core: Core, request: {
  method: string; url: string; params?: object | [string, string][] | URLSearchParams;
  consumerKey: string; consumerSecret?: string; token?: string; tokenSecret?: string;
  nonce?: string; timestamp?: number | string; realm?: string; version?: string | null; oauthParams?: object | [string, string][];
}): { authorization: string; baseString: string; signature: string };
export function oauthVerify(core: Core,
  request: { method: string; url: string; headers?: Record<string, string | string[]> | Headers; body?: string | Uint8Array },
  options: { lookupSecrets: (consumerKey: string, token: string) => { consumerSecret: string; tokenSecret: string } | null; now?: number; maxSkew?: number }):
  { consumerKey: string; token: string; nonce: string; timestamp: number; realm: string; version: string };

// ---- the packager (js/src/core/packager.js) --------------------------------------------------

export type Scheme = 'cenc' | 'cbcs' | 'cens' | 'cbc1';
export interface PackagerOptions {
  scheme?: Scheme;
  /** Makes the IVs (and the output) reproducible; random when absent. */
  ivSeed?: Uint8Array | string;
  /** A new key every that many fragments (0: none). */
  rotation?: number;
  clearKeyPssh?: boolean;
  perSampleIv?: boolean;
  sidx?: boolean;
}
export interface PackagerInfo {
  tracks: { trackId: number; kind: string; codec: string; timescale: number; encrypted: boolean;
    pattern: string; perSampleIvSize: number; kids: string[] }[];
  fragments: { trackId: number; sequenceNumber: number; baseMediaDecodeTime: number; duration: number;
    sampleCount: number; earliestPresentationTime: number; startsWithSap: boolean; encrypted: boolean; kid: string | null }[];
}
/** Clear fragmented MP4 in, Common Encryption out, piece by piece (init segment, then media segments). */
export class Packager {
  constructor(core: Core, options?: PackagerOptions);
  addKey(kind: '' | 'video' | 'audio', kid: Uint8Array | string, key: Uint8Array | string): void;
  push(bytes: Uint8Array): Uint8Array;
  info(): PackagerInfo;
  dispose(): void;
}
export function encryptFile(core: Core, bytes: Uint8Array,
  keys: { kind?: '' | 'video' | 'audio'; kid: Uint8Array | string; key: Uint8Array | string }[],
  options?: PackagerOptions): { output: Uint8Array; info: PackagerInfo };
/** A clear fragmented MP4 split into one stream per track: an init segment and media segments each. */
export class TrackSplitter {
  constructor(core: Core, bytes: Uint8Array);
  readonly tracks: { trackId: number; kind: 'video' | 'audio' | 'other'; codec: string; codecs: string; timescale: number;
    width: number; height: number; sampleRate: number; channels: number; segments: number }[];
  init(track: number): Uint8Array;
  segment(track: number, index: number): Uint8Array;
  dispose(): void;
}
export function generateKey(): { kid: Uint8Array; key: Uint8Array };
/** The keys as a JWK Set (the W3C Clear Key license format). */
export function toJwkSet(keys: { kid: Uint8Array; key: Uint8Array }[]): { keys: { kty: 'oct'; kid: string; k: string }[] };
export function dashRepresentations(mpdText: string, exists?: (name: string) => boolean): any;
export function protectMpd(mpdText: string, options: { mpd: any; kidBySet: Map<any, string>; scheme: Scheme; licenseUrl?: string }): string;
/** A static isoff-live MPD (SegmentTemplate + SegmentTimeline), with protectMpd's ContentProtection for the representations with a KID. */
export function dashMpd(options: { representations: { id: string; kind: 'video' | 'audio'; codecs: string; bandwidth: number;
  width?: number; height?: number; sampleRate?: number; channels?: number; timescale: number; init: string; media: string;
  segments: { time: number; duration: number }[]; startsWithSap?: boolean; kid?: string | null }[];
  scheme?: Scheme; licenseUrl?: string }): string;
export function hlsSupports(scheme: string): boolean;
export function hlsMediaPlaylist(options: { init: string; segments: { uri: string; duration: number; kid: string | null }[]; scheme: Scheme; licenseUrl?: string }): string;
export function hlsMultivariantPlaylist(options: { playlists: object[]; scheme: Scheme; licenseUrl?: string }): string;
export const COMMON_SYSTEM_ID: string;
export const CLEAR_KEY_SYSTEM_ID: string;

// ---- the license server and proxy (js/src/node/server, docs/server.md) -------------------------

export class ConfigError extends Error {}
/** Checks a server configuration and returns it complete; throws ConfigError naming the member. */
export function normalizeConfig(raw: object): any;
export interface LicenseServer {
  readonly config: any;
  /** The node:http Server (for its events; listen() and close() are these methods). */
  readonly server: unknown;
  /** Starts listening (port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<{ host: string; port: number; url: string }>;
  /** Graceful: finishes requests in flight, then releases everything. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  address(): { address: string; family: string; port: number } | string | null;
}
export function createServer(config: object, options?: {
  core?: Core;
  logger?: { debug(...a: any[]): void; info(...a: any[]): void; warn(...a: any[]): void; error(...a: any[]): void };
  now?: () => number;
  store?: MemoryStore | RedisStore;
}): LicenseServer;
export class MemoryStore {
  constructor(options?: { maxEntries?: number; now?: () => number });
  hit(client: string, limit: number, windowMs: number): Promise<{ allowed: boolean; count: number; retryAfterMs: number }>;
  claim(id: string, ttlMs: number): Promise<boolean>;
  ping(): Promise<boolean>;
  describe(): string;
  close(): Promise<void>;
}
export class RedisStore {
  constructor(url: string, options?: { prefix?: string });
  hit(client: string, limit: number, windowMs: number): Promise<{ allowed: boolean; count: number; retryAfterMs: number }>;
  claim(id: string, ttlMs: number): Promise<boolean>;
  ping(): Promise<boolean>;
  describe(): string;
  close(): Promise<void>;
}
/** A key file's text (a JWK Set or KID:KEY lines) as a map of KID hex to key bytes. */
export function parseKeyFile(core: Core, text: string, name: string): Map<string, Uint8Array>;

/** The command line; resolves to the exit code. */
export function main(argv: string[], streams?: { stdout?: { write(text: string): unknown }; stderr?: { write(text: string): unknown } }): Promise<number>;
