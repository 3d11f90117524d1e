// Request counts and latencies by route and outcome, in the Prometheus text exposition
// format (version 0.0.4) served on /metrics.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escapeLabel = (v) => String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels) =>
  `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;

export class Metrics {
  constructor() {
    this.started = Date.now();
    this.requests = new Map();  // label text -> {labels, count, sum, buckets[]}
    this.upstream = new Map();  // label text -> count
    this.inFlight = 0;
    this.connections = 0;
    this.refused = new Map();  // reason -> connections closed unread
  }

  /** A connection closed at once for being over a cap: reason 'per-client' or 'total'. */
  refuseConnection(reason) {
    this.refused.set(reason, (this.refused.get(reason) || 0) + 1);
  }

  /** One finished request. outcome: 'ok' or the error code of the response. */
  observe({ route, outcome, status, seconds }) {
    const labels = { route, outcome, status: String(status) };
    const key = labelText(labels);
    let entry = this.requests.get(key);
    if (!entry) {
      entry = { labels, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.requests.set(key, entry);
    }
    entry.count++;
    entry.sum += seconds;
    BUCKETS.forEach((le, i) => { if (seconds <= le) entry.buckets[i]++; });
  }

  /** One upstream exchange of the proxy. result: 'ok', 'error', 'timeout', 'too-large'. */
  observeUpstream({ route, result }) {
    const key = labelText({ route, result });
    this.upstream.set(key, (this.upstream.get(key) || 0) + 1);
  }

  text() {
    const lines = [
      '# HELP wasm_eme_requests_total Requests answered, by route, outcome and HTTP status.',
      '# TYPE wasm_eme_requests_total counter',
    ];
    for (const [key, e] of this.requests) lines.push(`wasm_eme_requests_total${key} ${e.count}`);
    lines.push(
      '# HELP wasm_eme_request_duration_seconds Time from request start to response end.',
      '# TYPE wasm_eme_request_duration_seconds histogram');
    for (const e of this.requests.values()) {
      const base = Object.entries(e.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      BUCKETS.forEach((le, i) => lines.push(`wasm_eme_request_duration_seconds_bucket{${base},le="${le}"} ${e.buckets[i]}`));
      lines.push(`wasm_eme_request_duration_seconds_bucket{${base},le="+Inf"} ${e.count}`);
      lines.push(`wasm_eme_request_duration_seconds_sum{${base}} ${e.sum.toFixed(6)}`);
      lines.push(`wasm_eme_request_duration_seconds_count{${base}} ${e.count}`);
    }
    lines.push(
      '# HELP wasm_eme_upstream_requests_total Proxy exchanges with upstream servers, by result.',
      '# TYPE wasm_eme_upstream_requests_total counter');
    for (const [key, n] of this.upstream) lines.push(`wasm_eme_upstream_requests_total${key} ${n}`);
    lines.push(
      '# HELP wasm_eme_requests_in_flight Requests being handled now.',
      '# TYPE wasm_eme_requests_in_flight gauge',
      `wasm_eme_requests_in_flight ${this.inFlight}`,
      '# HELP wasm_eme_connections_open Client connections open now.',
      '# TYPE wasm_eme_connections_open gauge',
      `wasm_eme_connections_open ${this.connections}`,
      '# HELP wasm_eme_connections_refused_total Connections closed unread for being over a cap (limits.maxConnections*).',
      '# TYPE wasm_eme_connections_refused_total counter',
      ...[...this.refused].map(([reason, n]) => `wasm_eme_connections_refused_total{reason="${reason}"} ${n}`),
      '# HELP wasm_eme_uptime_seconds Seconds since the server was created.',
      '# TYPE wasm_eme_uptime_seconds gauge',
      `wasm_eme_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(3)}`);
    return lines.join('\n') + '\n';
  }
}
