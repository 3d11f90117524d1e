// Compiled by tests/js/polyfill_types.test.js with tsc --noEmit: the shipped .d.ts describes
// what js/src/index.js exports (TypeScript reads the JS with allowJs), and typical use type-checks.
import * as declared from '../../../js/types/index.js';
import * as implementation from '../../../js/src/index.js';

// Every declared function exists in the code with a compatible signature.
const install: typeof declared.install = implementation.install;
const uninstall: typeof declared.uninstall = implementation.uninstall;
const isInstalled: typeof declared.isInstalled = implementation.isInstalled;
const negotiate: typeof declared.getSupportedConfiguration = implementation.getSupportedConfiguration;

// Methods of the declared classes exist on the code's classes.
type Methods<T> = { [K in keyof T as T[K] extends (...a: any[]) => any ? K : never]: unknown };
const sessionMethods: Methods<declared.MediaKeySession> = implementation.MediaKeySession.prototype;
const keysMethods: Methods<declared.MediaKeys> = implementation.MediaKeys.prototype;
const accessMethods: Methods<declared.MediaKeySystemAccess> = implementation.MediaKeySystemAccess.prototype;
const mapMethods: Methods<declared.MediaKeyStatusMap> = implementation.MediaKeyStatusMap.prototype;

async function typicalUse(video: HTMLVideoElement): Promise<void> {
  const active: boolean = await declared.install({ force: true, worker: false, wasmUrl: '/wasm_eme.wasm' });
  if (!active) return;
  const config = declared.getSupportedConfiguration({ videoCapabilities: [{ contentType: 'video/mp4' }] });
  const types: string[] | undefined = config?.initDataTypes;
  void types;
  declared.uninstall();
  void video;
}

export { install, uninstall, isInstalled, negotiate, sessionMethods, keysMethods, accessMethods, mapMethods, typicalUse };
