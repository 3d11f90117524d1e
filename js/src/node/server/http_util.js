// HTTP plumbing shared by the handlers: the error type every handler throws, bounded body
// reading, JSON answers and the client's address.

/** Error codes of the JSON error body, by HTTP status. */
const ERROR_CODES = {
  400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found',
  405: 'method-not-allowed', 408: 'request-timeout', 413: 'too-large', 415: 'unsupported-media-type',
  429: 'rate-limited', 431: 'headers-too-large', 500: 'internal', 502: 'bad-gateway', 503: 'unavailable', 504: 'gateway-timeout',
};

/**
 * An answer other than success: status, a reason word (machine-readable, stable), a message
 * for people, and extra JSON members (e.g. {kid}) and headers (e.g. Retry-After).
 */
export class HttpError extends Error {
  constructor(status, reason, message, { extra = {}, headers = {} } = {}) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.extra = extra;
    this.headers = headers;
  }

  get code() {
    return ERROR_CODES[this.status] || `http-${this.status}`;
  }

  body(requestId) {
    return { error: this.code, reason: this.reason, message: this.message, ...this.extra, requestId };
  }
}

/**
 * Reads the request body into one Buffer, refusing more than `limit` bytes (413, before
 * reading when Content-Length already says so) and a body slower than `timeoutMs` (408).
 */
export function readBody(req, { limit, timeoutMs }) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new HttpError(413, 'body-too-large',
      `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (error, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        req.resume();  // drain and discard the rest so the response can still be written
        reject(error);
      } else {
        resolve(value);
      }
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        finish(new HttpError(413, 'body-too-large', `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size));
    const onError = (e) => finish(new HttpError(400, 'body-read-error', `could not read the request body: ${e.message}`));
    const onAborted = () => finish(new HttpError(400, 'client-aborted', 'the client aborted the request'));
    const timer = setTimeout(() => finish(new HttpError(408, 'body-timeout',
      `request body not received within ${timeoutMs} ms`)), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Writes a JSON answer unless the response is already finished. */
export function sendJson(res, status, value, headers = {}) {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * The client's address for rate limiting. Behind a trusted proxy (trustProxy), the last
 * X-Forwarded-For entry: the address that proxy saw (earlier entries are the client's own
 * claims and could be forged).
 */
export function clientAddress(req, trustProxy) {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    if (typeof forwarded === 'string') {
      const last = forwarded.split(',').map((s) => s.trim()).filter(Boolean).pop();
      if (last && last.length <= 64) return last;
    }
  }
  return req.socket.remoteAddress || 'unknown';
}

/** The single value of a request header, or undefined (a header given twice is refused). */
export function singleHeader(req, name) {
  const values = req.headersDistinct[name.toLowerCase()];
  if (!values) return undefined;
  if (values.length > 1) {
    throw new HttpError(400, 'repeated-header', `header ${name} is given more than once`);
  }
  return values[0];
}
