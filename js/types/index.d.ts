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
  /** Where wasm_eme.wasm is served; defaults to the file next to the module loader. */
  wasmUrl?: string | URL;
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
