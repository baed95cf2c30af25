// The report's charts: each case's renderer describes a chart as data (lines
// or grouped bars) and gets back the Markdown line that shows it; the SVG is
// written beside the report (docs/benchmarks.md → docs/benchmarks/<name>.svg).
// Drawn with the same hand-written SVG blocks as `nanolambda bench --svg`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { axes, escapeXml, linearScale, logScale } = require('../../dist/bench/svg-chart.js');

const WIDTH = 760;
const HEIGHT = 360;
const FRAME = { x: 80, y: 50, width: WIDTH - 110, height: HEIGHT - 150 };
const COLORS = ['#4878a8', '#c0392b', '#27ae60', '#8e44ad', '#d68910', '#17a589', '#7f8c8d', '#2c3e50'];
const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** 1234 → "1.23k", 0.5 → "0.5": short labels for any unit. */
function shortNumber(v) {
  const abs = Math.abs(v);
  for (const [scale, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (abs >= scale) return `${+(v / scale).toPrecision(3)}${suffix}`;
  }
  return `${+v.toPrecision(3)}`;
}

/** `floorFactor`: how far below the smallest value a log axis starts (bars need room to show their height). */
function scaleFor(values, log, from, to, floorFactor = 1.2) {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length === 0) throw new Error('a chart needs at least one finite value' + (log ? ' above 0 (log scale)' : ''));
  const hi = Math.max(...finite);
  if (!log) return linearScale(hi * 1.05, from, to, '');
  const lo = Math.min(...finite);
  return { ...logScale(lo / floorFactor, hi * 1.2, from, to), label: shortNumber };
}

function legend(names) {
  const top = FRAME.y + FRAME.height + 48;
  return names.map((name, i) => {
    const x = FRAME.x + (i % 3) * 220;
    const y = top + Math.floor(i / 3) * 16;
    return `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 17}" y="${y}">${escapeXml(name)}</text>`;
  });
}

function svgDocument(title, body, legendRows) {
  const height = HEIGHT + Math.max(0, Math.ceil(legendRows / 3) - 3) * 16;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** { title, xTitle, yTitle, xLog?, yLog?, series: [{ name, points: [[x, y]] }] } → SVG. */
function linesSvg(spec) {
  const points = spec.series.flatMap((s) => s.points);
  const x = scaleFor(points.map((p) => p[0]), spec.xLog, FRAME.x, FRAME.x + FRAME.width);
  const y = scaleFor(points.map((p) => p[1]), spec.yLog, FRAME.y + FRAME.height, FRAME.y);
  if (!spec.xLog) x.label = shortNumber;
  if (!spec.yLog) y.label = shortNumber;
  const usable = (p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!spec.xLog || p[0] > 0) && (!spec.yLog || p[1] > 0);
  const drawn = spec.series.map((s, i) => {
    const color = COLORS[i % COLORS.length];
    const at = s.points.filter(usable).map((p) => [x.at(p[0]).toFixed(1), y.at(p[1]).toFixed(1)]);
    const line = at.length > 1 ? `<polyline points="${at.map((p) => p.join(',')).join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"/>` : '';
    return line + at.map(([cx, cy]) => `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`).join('');
  });
  const body = [axes(FRAME, x, y, spec.xTitle, spec.yTitle), ...drawn, ...legend(spec.series.map((s) => s.name))];
  return svgDocument(spec.title, body, spec.series.length);
}

/** { title, yTitle, yLog?, groups: [{ label, bars: [{ name, value }] }] } → SVG; a bar's colour is its name's. */
function barsSvg(spec) {
  const names = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const y = scaleFor(spec.groups.flatMap((g) => g.bars.map((b) => b.value)), spec.yLog, FRAME.y + FRAME.height, FRAME.y, 4);
  if (!spec.yLog) y.label = shortNumber;
  const noTicks = { at: () => 0, ticks: [], label: String };
  const slot = FRAME.width / Math.max(1, spec.groups.length);
  const bottom = FRAME.y + FRAME.height;
  const body = [axes(FRAME, noTicks, y, '', spec.yTitle)];
  spec.groups.forEach((g, gi) => {
    const width = (slot * 0.8) / Math.max(1, g.bars.length);
    const left = FRAME.x + gi * slot + slot * 0.1;
    g.bars.forEach((b, bi) => {
      if (!Number.isFinite(b.value) || (spec.yLog && b.value <= 0)) return;
      const top = Math.min(y.at(b.value), bottom);
      const color = COLORS[names.indexOf(b.name) % COLORS.length];
      body.push(
        `<rect x="${(left + bi * width).toFixed(1)}" y="${top.toFixed(1)}" width="${(width * 0.9).toFixed(1)}" height="${(bottom - top).toFixed(1)}" fill="${color}"><title>${escapeXml(`${g.label} · ${b.name}: ${b.value}`)}</title></rect>`,
      );
    });
    body.push(`<text x="${(FRAME.x + gi * slot + slot / 2).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${escapeXml(g.label)}</text>`);
  });
  body.push(...legend(names));
  return svgDocument(spec.title, body, names.length);
}

/**
 * Charts for one report: `dir` receives the SVG files, `link` is how the
 * report refers to that directory. add() throws on a bad name or spec: the
 * suite reports that as the case's rendering failing.
 */
function makeCharts(dir, link) {
  const written = new Set();
  return {
    add(name, spec) {
      if (!NAME.test(name)) throw new Error(`chart name ${JSON.stringify(name)}: use lower-case letters, digits and dashes`);
      if (written.has(name)) throw new Error(`chart name ${JSON.stringify(name)} is used twice in one report`);
      const svg = spec.kind === 'lines' ? linesSvg(spec) : spec.kind === 'bars' ? barsSvg(spec) : undefined;
      if (!svg) throw new Error(`chart ${name}: kind ${JSON.stringify(spec.kind)} is neither "lines" nor "bars"`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}.svg`), svg);
      written.add(name);
      return `![${spec.title.replace(/[[\]]/g, '')}](${link}/${name}.svg)`;
    },
  };
}

/** The chart directory beside a report: docs/benchmarks.md → docs/benchmarks/; stale charts removed. */
function chartsBeside(reportFile) {
  const dir = reportFile.replace(/\.md$/, '');
  if (dir === reportFile) throw new Error(`the report ${reportFile} must end in .md (its charts go in a directory named after it)`);
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (f.endsWith('.svg')) fs.rmSync(path.join(dir, f));
  return makeCharts(dir, path.basename(dir));
}

/**
 * p50 against payload size (log-log), one line per case name in the order
 * given: how each path's cost grows with bytes. A 0 B point is drawn at 1.
 */
function p50BySizeChart(charts, name, title, rows, caseNames) {
  const series = caseNames
    .map((c) => ({
      name: c,
      points: rows.filter((r) => r.case === c && r.p50_us !== undefined).map((r) => [Math.max(r.bytes, 1), r.p50_us]).sort((x, y) => x[0] - y[0]),
    }))
    .filter((s) => s.points.length > 0);
  return charts.add(name, { kind: 'lines', title, xTitle: 'payload bytes (0 B drawn at 1)', yTitle: 'p50 µs', xLog: true, yLog: true, series });
}

module.exports = { makeCharts, chartsBeside, p50BySizeChart, shortNumber };
