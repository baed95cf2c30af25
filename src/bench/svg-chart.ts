// SVG building blocks, written by hand: escaping, scales and axes. The
// charts themselves are in latency-svg.ts.
import { formatMicros } from './units';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A plotting area inside an SVG, in pixels. */
export interface Frame {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Scale {
  /** Value → pixel. */
  at(value: number): number;
  ticks: number[];
  label(value: number): string;
}

/** A log-10 scale of latencies in µs over [lo, hi] onto [from, to] pixels. */
export function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const a = Math.log10(Math.max(lo, 1e-3));
  const b = Math.max(Math.log10(Math.max(hi, 1e-3)), a + 1e-6);
  const ticks: number[] = [];
  for (let decade = Math.floor(a); decade <= Math.ceil(b); decade++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** decade;
      if (Math.log10(v) >= a && Math.log10(v) <= b) ticks.push(v);
    }
  }
  return {
    at: (v) => from + ((Math.log10(Math.max(v, 1e-3)) - a) / (b - a)) * (to - from),
    ticks,
    label: formatMicros,
  };
}

/** A linear scale over [0, hi] onto [from, to] pixels, with about five round ticks. */
export function linearScale(hi: number, from: number, to: number, unit: string): Scale {
  const top = hi > 0 ? hi : 1;
  const raw = top / 5;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { at: (v) => from + (v / top) * (to - from), ticks, label: (v) => `${v}${unit}` };
}

/** Axis lines, tick labels and grid for a frame: x along the bottom, y up the left. */
export function axes(frame: Frame, x: Scale, y: Scale, xTitle: string, yTitle: string): string {
  const bottom = frame.y + frame.height;
  const parts = [`<rect x="${frame.x}" y="${frame.y}" width="${frame.width}" height="${frame.height}" fill="none" stroke="#999"/>`];
  for (const t of x.ticks) {
    const px = x.at(t).toFixed(1);
    parts.push(`<line x1="${px}" y1="${frame.y}" x2="${px}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px}" y="${bottom + 14}" text-anchor="middle">${escapeXml(x.label(t))}</text>`);
  }
  for (const t of y.ticks) {
    const py = y.at(t).toFixed(1);
    parts.push(`<line x1="${frame.x}" y1="${py}" x2="${frame.x + frame.width}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${frame.x - 4}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(y.label(t))}</text>`);
  }
  parts.push(`<text x="${frame.x + frame.width / 2}" y="${bottom + 30}" text-anchor="middle">${escapeXml(xTitle)}</text>`);
  parts.push(
    `<text transform="translate(${frame.x - 58},${frame.y + frame.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yTitle)}</text>`,
  );
  return parts.join('\n');
}
