// A small canvas chart of decrypt throughput: one bar per decrypt call (MB/s), the running
// mean as a line, the latest value and the mean in the corner. No chart library.

export class ThroughputChart {
  constructor(canvas, { maxBars = 60 } = {}) {
    this.canvas = canvas;
    this.maxBars = maxBars;
    this.points = [];  // {mbps, bytes, ms}
    this.totalBytes = 0;
    this.totalMs = 0;
    this.draw();
  }

  add({ bytes, ms }) {
    const mbps = ms > 0 ? bytes / 1e6 / (ms / 1e3) : 0;
    this.points.push({ mbps, bytes, ms });
    if (this.points.length > this.maxBars) this.points.shift();
    this.totalBytes += bytes;
    this.totalMs += ms;
    this.draw();
  }

  clear() {
    this.points = [];
    this.totalBytes = 0;
    this.totalMs = 0;
    this.draw();
  }

  get meanMbps() {
    return this.totalMs > 0 ? this.totalBytes / 1e6 / (this.totalMs / 1e3) : 0;
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 400;
    const h = c.clientHeight || 120;
    if (c.width !== Math.round(w * dpr)) c.width = Math.round(w * dpr);
    if (c.height !== Math.round(h * dpr)) c.height = Math.round(h * dpr);
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 38;
    const bottom = h - 16;
    const top = 8;
    g.font = '10px system-ui, sans-serif';
    g.fillStyle = '#6b7280';
    g.strokeStyle = '#d1d5db';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(left, top);
    g.lineTo(left, bottom);
    g.lineTo(w - 4, bottom);
    g.stroke();
    if (!this.points.length) {
      g.fillText('no decrypted segments yet', left + 8, (top + bottom) / 2);
      return;
    }
    const max = niceMax(Math.max(...this.points.map((p) => p.mbps), this.meanMbps));
    g.fillText(`${max}`, 2, top + 8);
    g.fillText('MB/s', 2, top + 20);
    g.fillText('0', left - 10, bottom);
    g.fillText('decrypt calls →', left + 4, h - 3);
    const slot = (w - 4 - left) / this.maxBars;
    const y = (v) => bottom - (v / max) * (bottom - top);
    g.fillStyle = '#60a5fa';
    this.points.forEach((p, i) => {
      const x = left + 1 + i * slot;
      g.fillRect(x, y(p.mbps), Math.max(1, slot - 2), bottom - y(p.mbps));
    });
    g.strokeStyle = '#b45309';
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(left, y(this.meanMbps));
    g.lineTo(w - 4, y(this.meanMbps));
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#111827';
    const last = this.points[this.points.length - 1].mbps;
    const label = `last ${last.toFixed(1)} MB/s · mean ${this.meanMbps.toFixed(1)} MB/s · ${(this.totalBytes / 1e6).toFixed(2)} MB`;
    g.fillText(label, Math.max(left + 4, w - 8 - g.measureText(label).width), top + 8);
  }
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}
