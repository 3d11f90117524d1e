// Helpers shared by the Node benchmarks: whole-process timing with a time cap, medians, formats.
import { spawn } from 'node:child_process';

export const median = (list) => {
  const xs = list.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
};

/** min-max of a list, for the spread next to a median. */
export const spread = (list, digits = 0) => {
  const xs = list.filter((x) => x != null && Number.isFinite(x));
  if (!xs.length) return '';
  const lo = Math.min(...xs);
  return `${lo.toFixed(digits)}${lo < 0 ? ' to ' : '-'}${Math.max(...xs).toFixed(digits)}`;
};

export const mbps = (bytes, ms) => (ms > 0 ? (bytes / 1e6) / (ms / 1000) : null);
export const fixed = (x, digits = 1) => (x == null ? 'n/a' : x.toFixed(digits));

/**
 * Runs a command as a whole process; resolves to {ms, code, stderr} or, when it outlives
 * `capMs`, kills it and resolves to {ms: null, timedOut: true}.
 */
export function timeProcess(cmd, args, { capMs = 60000 } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), capMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ ms: null, code: -1, stderr: String(e) }); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (signal === 'SIGKILL' && ms >= capMs - 50) resolve({ ms: null, timedOut: true });
      else resolve({ ms: code === 0 ? ms : null, code, stderr });
    });
  });
}

/** Prints a Markdown table: header cells, then rows of cells. */
export function table(header, rows, align) {
  const al = align || header.map((_, i) => (i ? '---:' : '---'));
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${al.join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}
