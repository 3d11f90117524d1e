// Removes the browser's EME entry points, as in a browser without any CDM (the pages expose it
// as window.removeNativeEme for the tests).
export function removeNativeEme() {
  delete Navigator.prototype.requestMediaKeySystemAccess;
  for (const name of ['MediaKeys', 'MediaKeySession', 'MediaKeySystemAccess', 'MediaKeyStatusMap',
    'MediaKeyMessageEvent', 'MediaEncryptedEvent']) delete window[name];
  delete HTMLMediaElement.prototype.setMediaKeys;
  delete HTMLMediaElement.prototype.mediaKeys;
}
