// The --svg file: a latency distribution (histogram on a log axis, p50 and
// p99 marked) above latency over time (a sampled scatter with per-second p50
// and p99 lines). Plain SVG 1.1, no scripts, no dependencies.
import type { HistogramBucket } from './histogram';
import type { BenchReport } from './report';
import { axes, escapeXml, linearScale, logScale, type Frame } from './svg-chart';
import type { TimedSample } from './timeline';
import { formatCount, formatMicros } from './units';

const WIDTH = 860;
const CHART_HEIGHT = 260;
const BINS = 60;

export function renderLatencySvg(report: BenchReport, buckets: HistogramBucket[], samples: TimedSample[]): string {
  const distribution: Frame = { x: 80, y: 70, width: WIDTH - 110, height: CHART_HEIGHT };
  const overTime: Frame = { x: 80, y: distribution.y + CHART_HEIGHT + 90, width: WIDTH - 110, height: CHART_HEIGHT };
  const height = overTime.y + CHART_HEIGHT + 50;
  const title =
    `nanolambda bench ${report.function} via ${report.via}: ${formatCount(report.invocations)} invocations, ` +
    `${formatCount(report.throughputPerS)}/s, p50 ${formatMicros(report.latencyUs.p50)}, p99 ${formatMicros(report.latencyUs.p99)}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    distributionChart(distribution, report, buckets),
    timeChart(overTime, report, samples),
    `</svg>`,
    '',
  ].join('\n');
}

function distributionChart(frame: Frame, report: BenchReport, buckets: HistogramBucket[]): string {
  const lo = Math.max(report.latencyUs.min, 0.001);
  const hi = Math.max(report.latencyUs.max, lo * 1.01);
  const x = logScale(lo, hi, frame.x, frame.x + frame.width);
  // Regroup the log-linear buckets into equal-width bins on the log axis: bars of one width.
  const counts = new Array<number>(BINS).fill(0);
  for (const b of buckets) {
    const mid = Math.min(Math.max((b.fromNs + b.toNs) / 2000, lo), hi);
    const bin = Math.min(BINS - 1, Math.floor(((x.at(mid) - frame.x) / frame.width) * BINS));
    counts[bin]! += b.count;
  }
  const most = Math.max(1, ...counts);
  const y = linearScale(most, frame.y + frame.height, frame.y, '');
  const barWidth = frame.width / BINS;
  const bars = counts
    .map((count, i) => {
      if (count === 0) return '';
      const top = y.at(count);
      return `<rect x="${(frame.x + i * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${(frame.y + frame.height - top).toFixed(1)}" fill="#4878a8"/>`;
    })
    .filter((bar) => bar !== '');
  const marks = (['p50', 'p99'] as const).map((name) => {
    const px = x.at(report.latencyUs[name]).toFixed(1);
    return (
      `<line x1="${px}" y1="${frame.y}" x2="${px}" y2="${frame.y + frame.height}" stroke="#c0392b" stroke-dasharray="4 3"/>` +
      `<text x="${px}" y="${frame.y - 4}" text-anchor="middle" fill="#c0392b">${name} ${escapeXml(formatMicros(report.latencyUs[name]))}</text>`
    );
  });
  return [
    `<g id="latency-distribution">`,
    `<text x="${frame.x}" y="${frame.y - 22}" font-size="13">Latency distribution</text>`,
    axes(frame, x, y, 'latency (log scale)', 'invocations'),
    ...bars,
    ...marks,
    `</g>`,
  ].join('\n');
}

function timeChart(frame: Frame, report: BenchReport, samples: TimedSample[]): string {
  const lo = Math.max(report.latencyUs.min, 0.001);
  const hi = Math.max(report.latencyUs.max, lo * 1.01);
  const x = linearScale(Math.max(report.elapsedS, 1e-3), frame.x, frame.x + frame.width, ' s');
  const y = logScale(lo, hi, frame.y + frame.height, frame.y);
  const dots = samples.map(
    (s) => `<circle cx="${x.at(s.atS).toFixed(1)}" cy="${y.at(s.latencyUs).toFixed(1)}" r="1.5" fill="#4878a8" fill-opacity="0.5"/>`,
  );
  // Per-second lines only say something once there are two seconds to join.
  const lines =
    report.timeline.length < 2
      ? []
      : (['p50Us', 'p99Us'] as const).map((key, i) => {
          const points = report.timeline.map((s) => `${x.at(s.second + 0.5).toFixed(1)},${y.at(s[key]).toFixed(1)}`).join(' ');
          return `<polyline points="${points}" fill="none" stroke="${i === 0 ? '#27ae60' : '#c0392b'}" stroke-width="1.5"/>`;
        });
  const legend =
    `<text x="${frame.x + frame.width}" y="${frame.y - 8}" text-anchor="end">` +
    `dots: ${formatCount(samples.length)} sampled invocations${lines.length > 0 ? '; green: p50 per second; red: p99 per second' : ''}</text>`;
  return [
    `<g id="latency-over-time">`,
    `<text x="${frame.x}" y="${frame.y - 22}" font-size="13">Latency over time</text>`,
    axes(frame, x, y, 'time since the start of the measured run', 'latency (log scale)'),
    ...dots,
    ...lines,
    legend,
    `</g>`,
  ].join('\n');
}
