// Errors in words for the page: Shaka Player's numeric errors (with the server's JSON error
// message where there is one), media errors, and the license template's errors.

function codeName(shaka, code) {
  const entry = Object.entries(shaka.util.Error.Code).find(([, v]) => v === code);
  return entry ? entry[0] : `code ${code}`;
}

const REQUEST_TYPES = ['manifest', 'segment', 'license', 'app', 'timing', 'server certificate', 'key', 'ads', 'content steering'];

// The wasm-eme servers answer errors as {"error", "reason", "message"}; the demo's wrapped
// server as {"status": "error", "message"}.
function serverMessage(text) {
  if (typeof text !== 'string' || !text) return '';
  try {
    const j = JSON.parse(text);
    if (j && typeof j.message === 'string') return `${j.message}${j.reason ? ` (${j.reason})` : ''}`;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

function pathOf(uri) {
  try {
    const u = new URL(uri, location.href);
    return u.protocol === 'data:' ? 'a data: URI' : u.origin === location.origin ? u.pathname : u.href;
  } catch {
    return String(uri);
  }
}

/** One sentence (or two) saying what went wrong, for a Shaka Player error object. */
export function describeShakaError(shaka, error) {
  if (!error || typeof error.code !== 'number') return describeError(error);
  const C = shaka.util.Error.Code;
  const d = error.data || [];
  const name = codeName(shaka, error.code);
  switch (error.code) {
    case C.BAD_HTTP_STATUS: {
      const [uri, status, text, , type] = d;
      const what = REQUEST_TYPES[type] || 'network';
      return `The ${what} request to ${pathOf(uri)} failed with HTTP ${status}: ${serverMessage(text) || 'no message'}.`;
    }
    case C.HTTP_ERROR:
      return `Could not reach ${pathOf(d[0])} (${d[1]?.message || 'network error'}).`;
    case C.TIMEOUT:
      return `The request to ${pathOf(d[0])} timed out.`;
    case C.REQUEST_FILTER_ERROR:
      return `Preparing the request failed: ${describeError(d[0])}`;
    case C.RESPONSE_FILTER_ERROR:
      return `Reading the response failed: ${describeError(d[0])}`;
    case C.LICENSE_REQUEST_FAILED:
      return `The license request failed. ${d[0] ? describeShakaError(shaka, d[0]) : ''}`.trim();
    case C.LICENSE_RESPONSE_REJECTED:
      return `The CDM rejected the license: ${d[0] || 'no reason given'}.`;
    case C.REQUESTED_KEY_SYSTEM_CONFIG_UNAVAILABLE:
      return 'No Clear Key CDM accepted the content: this browser has no working native Clear Key for it. Switch to the polyfill.';
    case C.NO_LICENSE_SERVER_GIVEN:
      return 'No license server is configured for Clear Key.';
    case C.ENCRYPTED_CONTENT_WITHOUT_DRM_INFO:
      return 'The content is encrypted but the manifest says nothing about its protection.';
    case C.VIDEO_ERROR:
      return `The browser could not play the media (MediaError ${d[0]}${d[2] ? `: ${d[2]}` : ''}).`;
    case C.FAILED_TO_GENERATE_LICENSE_REQUEST:
      return `The CDM could not make a license request from the init data: ${d[0] || ''}.`;
    case C.HLS_KEYFORMATS_NOT_SUPPORTED:
      return 'The HLS playlist names a key format Shaka Player cannot use for Clear Key.';
    default: {
      const inner = d.find((x) => x && (x.message || typeof x.code === 'number'));
      const detail = inner ? ` ${typeof inner.code === 'number' && inner.category ? describeShakaError(shaka, inner) : describeError(inner)}` : '';
      return `Shaka Player error ${error.code} (${name}).${detail}`;
    }
  }
}

/** Words for any thrown value: WasmEmeError (with the template column), Error, string. */
export function describeError(e) {
  if (e === null || e === undefined) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e.name === 'WasmEmeError') {
    const column = typeof e.column === 'number' && !/column \d/.test(e.message) ? ` (template column ${e.column})` : '';
    return `${e.message}${column} [${e.code}]`;
  }
  if (e.message) return `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`;
  return String(e);
}
