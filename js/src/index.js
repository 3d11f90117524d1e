// wasm-eme: a player-agnostic EME polyfill for org.w3.clearkey. A page or player that speaks
// standard EME + MSE works unchanged once install() has run (before it creates MediaSources).
//
//   import { install } from 'wasm-eme';
//   await install();               // only where Clear Key is missing or known broken
//   await install({ force: true }); // replace the browser's own Clear Key too

export { install, uninstall, isInstalled } from './eme/install.js';
export { MediaKeys, MediaKeySystemAccess } from './eme/media_keys.js';
export { MediaKeySession } from './eme/media_key_session.js';
export { MediaKeyStatusMap } from './eme/media_key_status_map.js';
export { getSupportedConfiguration } from './eme/configuration.js';

// License exchange: templates attached to players, or the polyfill fetching licenses itself
// (docs/players.md, docs/license-templates.md).
export { setLicense } from './eme/license_acquisition.js';
export { attachShaka } from './players/shaka.js';
export { attachDashjs } from './players/dashjs.js';
export { attachHlsjs, hlsjsConfig } from './players/hlsjs.js';
export { LicenseExchangeError, licenseErrorOf } from './players/license_router.js';
export { TEMPLATE_URL } from './players/license_router.js';
