// Public API of the wasm-eme polyfill (js/src/index.js). Checked against the code by
// tests/js/polyfill_types.test.js (tsc --noEmit over the JSDoc-typed sources and a usage file).

export interface InstallOptions {
  /** Replace org.w3.clearkey even where the browser has a working one. Default false. */
  force?: boolean;
  /**
   * Decrypt in a dedicated Web Worker (default true); false decrypts on the main thread; a URL
   * or string names the worker script (js/src/worker/decrypt_worker.js) where bundlers move it.
   */
  worker?: boolean | string | URL;
  /**
   * Where the AES runs: 'webcrypto' (the browser's own, secure contexts only), 'wasm' (the
   * module's), or 'auto' (default: WebCrypto where available).
   */
  cipher?: 'auto' | 'webcrypto' | 'wasm';
  /**
   * Where the scalar browser module (wasm_eme_web.wasm, "wasm-eme/wasm") is served; defaults to
   * the file next to the module loader. Given alone, the scalar module is used.
   */
  wasmUrl?: string | URL;
  /** Where its SIMD variant (wasm_eme_web_simd.wasm, "wasm-eme/wasm-simd") is served. */
  wasmSimdUrl?: string | URL;
  /** false: the scalar module even where the engine has wasm SIMD. Default: detect. */
  simd?: boolean;
  /**
   * The polyfill fetches licenses itself for sessions whose page never listens for
   * "message" (docs/players.md): a template string, a JSON configuration or static keys.
   */
  license?: LicenseConfig | LicenseConfigs;
  /** The license URL used when the template has none (e.g. the manifest's Laurl). */
  licenseUrl?: string;
  onLicense?: (info: LicenseInfo) => void;
  /** A failed acquisition; without it the error is logged with console.error. */
  onLicenseError?: (error: LicenseExchangeError, session: MediaKeySession) => void;
}

/**
 * Installs the polyfill: only where org.w3.clearkey is missing or known broken unless
 * `force`. Resolves to true when the polyfill is active. Calling it again is harmless.
 * Install before the page creates its MediaSource objects.
 */
export function install(options?: InstallOptions): Promise<boolean>;
/** Restores every property install() replaced. */
export function uninstall(): void;
export function isInstalled(): boolean;

export type MediaKeySessionType = 'temporary' | 'persistent-license';
export type MediaKeyStatus =
  | 'usable' | 'expired' | 'released' | 'output-restricted' | 'output-downscaled'
  | 'usable-in-future' | 'status-pending' | 'internal-error';

export interface MediaKeySystemMediaCapability {
  contentType?: string;
  encryptionScheme?: string | null;
  robustness?: string;
}

export interface MediaKeySystemConfiguration {
  label?: string;
  initDataTypes?: string[];
  audioCapabilities?: MediaKeySystemMediaCapability[];
  videoCapabilities?: MediaKeySystemMediaCapability[];
  distinctiveIdentifier?: 'required' | 'optional' | 'not-allowed';
  persistentState?: 'required' | 'optional' | 'not-allowed';
  sessionTypes?: string[];
}

/** EME 3.1.1.2 "Get Supported Configuration" for the polyfill's Clear Key; null = NotSupported. */
export function getSupportedConfiguration(
  candidate: MediaKeySystemConfiguration,
  options?: { isTypeSupported?: (type: string) => boolean; persistentLicense?: boolean },
): Required<MediaKeySystemConfiguration> | null;

export class MediaKeyStatusMap implements Iterable<[ArrayBuffer, MediaKeyStatus]> {
  private constructor();
  readonly size: number;
  has(keyId: BufferSource): boolean;
  get(keyId: BufferSource): MediaKeyStatus | undefined;
  forEach(callback: (status: MediaKeyStatus, keyId: ArrayBuffer, map: MediaKeyStatusMap) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[ArrayBuffer, MediaKeyStatus]>;
  keys(): IterableIterator<ArrayBuffer>;
  values(): IterableIterator<MediaKeyStatus>;
  [Symbol.iterator](): IterableIterator<[ArrayBuffer, MediaKeyStatus]>;
}

export class MediaKeySession extends EventTarget {
  private constructor();
  readonly sessionId: string;
  /** Always NaN: Clear Key licenses do not expire. */
  readonly expiration: number;
  readonly closed: Promise<'closed-by-application' | 'release-acknowledged' | 'hardware-context-reset' | 'resource-evicted' | 'internal-error'>;
  readonly keyStatuses: MediaKeyStatusMap;
  onmessage: ((this: MediaKeySession, event: Event & { messageType: string; message: ArrayBuffer }) => unknown) | null;
  onkeystatuseschange: ((this: MediaKeySession, event: Event) => unknown) | null;
  generateRequest(initDataType: string, initData: BufferSource): Promise<void>;
  load(sessionId: string): Promise<boolean>;
  update(response: BufferSource): Promise<void>;
  close(): Promise<void>;
  remove(): Promise<void>;
}

export class MediaKeys {
  private constructor();
  createSession(sessionType?: MediaKeySessionType): MediaKeySession;
  /** Resolves false: Clear Key has no server certificates. */
  setServerCertificate(serverCertificate: BufferSource): Promise<boolean>;
  getStatusForPolicy(policy: { minHdcpVersion: string }): Promise<MediaKeyStatus>;
}

export class MediaKeySystemAccess {
  private constructor();
  readonly keySystem: 'org.w3.clearkey';
  getConfiguration(): Required<MediaKeySystemConfiguration>;
  createMediaKeys(): Promise<MediaKeys>;
}

// ---- License exchange: templates attached to players, or used by the polyfill itself ----

/** The JSON configuration object (docs/license-templates.md). */
export interface LicenseJsonConfig {
  keySystem?: string;
  url?: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  wrap?: Array<'base64' | 'urlenc'>;
  response?: { unwrap?: Array<'base64' | 'json' | 'xml' | 'headerblock' | 'auto'>; path?: string; hdcpPath?: string };
  keys?: Record<string, string>;
}

/**
 * One key system's configuration: a license_key / drm_legacy / inputstream.adaptive.drm string,
 * the JSON configuration, an inputstream.adaptive.drm entry ({license: {...}}), or static
 * Clear Key keys {kid: key} (hex, base64 or base64url).
 */
export type LicenseConfig = string | LicenseJsonConfig | { license: Record<string, unknown> } | Record<string, string>;
/** Per key system ('org.w3.clearkey', 'com.widevine.alpha', ...; '*' = any other). */
export type LicenseConfigs = Record<string, LicenseConfig>;

export interface LicenseInfo {
  keySystem: string;
  /** The value at the HDCP path when the configuration asks for one. */
  hdcp: string | null;
  url: string;
}

export interface LicenseAttachOptions {
  /** A loaded Core; by default the page's shared wasm module. */
  core?: unknown;
  onLicense?: (info: LicenseInfo) => void;
}

export interface LicenseAttachment {
  /** Resolves once every configured key system parsed; rejects with the first error. */
  readonly ready: Promise<void>;
  detach(): void;
}

/** A failed license exchange; `code` and `column`/`byte` come from the template engine. */
export class LicenseExchangeError extends Error {
  readonly keySystem: string;
  readonly code?: string;
  readonly column?: number;
  readonly byte?: number;
}

/** The LicenseExchangeError inside a Shaka, dash.js or hls.js error (or null). */
export function licenseErrorOf(error: unknown): LicenseExchangeError | null;

/** A license URL for players that insist on one when the template carries the URL. */
export const TEMPLATE_URL: string;

/** Shaka Player: request/response filters for LICENSE requests. */
export function attachShaka(player: unknown, configs: LicenseConfig | LicenseConfigs,
  options?: LicenseAttachOptions & { shaka?: unknown }): LicenseAttachment;
/** dash.js: license request/response filters (attach before initialize()). */
export function attachDashjs(player: unknown, configs: LicenseConfig | LicenseConfigs,
  options?: LicenseAttachOptions): LicenseAttachment;
/** hls.js: licenseXhrSetup / licenseResponseCallback (and drmSystems) for new Hls({...}). */
export function hlsjsConfig(configs: LicenseConfig | LicenseConfigs,
  options?: LicenseAttachOptions & { drmSystems?: Record<string, { licenseUrl?: string } & Record<string, unknown>> }): {
  licenseXhrSetup: (xhr: XMLHttpRequest, url: string, keyContext: unknown, licenseChallenge: Uint8Array) => Promise<Uint8Array | undefined>;
  licenseResponseCallback: (xhr: XMLHttpRequest, url: string, keyContext: unknown) => ArrayBuffer;
  drmSystems?: Record<string, { licenseUrl?: string } & Record<string, unknown>>;
  readonly ready: Promise<void>;
};
/** hls.js: patches an Hls instance's configuration (before it requests licenses). */
export function attachHlsjs(hls: unknown, configs: LicenseConfig | LicenseConfigs,
  options?: LicenseAttachOptions): LicenseAttachment;

/**
 * Gives one polyfill MediaKeys a license configuration (replacing install()'s), or null to
 * switch the polyfill's own acquisition off for it. Rejects when the configuration does not parse.
 */
export function setLicense(mediaKeys: MediaKeys, license: LicenseConfig | LicenseConfigs | null,
  options?: { url?: string; onLicense?: (info: LicenseInfo) => void;
    onError?: (error: LicenseExchangeError, session: MediaKeySession) => void }): Promise<void>;
