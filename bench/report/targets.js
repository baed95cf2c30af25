// The targets (issue 8, for these 2-core machines), checked against
// the figures a case wrote: each check says met or missed, never hides a miss.
'use strict';

/** How a verdict reads in the report. */
const mark = (v) => (v === 'met' ? '✅ met' : v === 'missed' ? '❌ missed' : v ?? '–');

const verdict = (value, limit, atLeast = false) =>
  value === undefined || value === null || Number.isNaN(value) ? 'no figure' : (atLeast ? value >= limit : value <= limit) ? 'met' : 'missed';

/** Targets read from bench/invoke.js's results. Each reader here: a case's results → [{ target, figure, verdict }]. */
function invokeTargets(results) {
  const find = (name, bytes) => results.find((r) => r.case === name && r.bytes === bytes);
  const hot = find('ts-api-1-in-flight', 64);
  const many = find('ts-api-256-in-flight', 64);
  const floor = find('c-floor', 64);
  const http = find('http-keepalive-1-in-flight', 64);
  const ratio = hot && floor ? hot.p50_us / floor.p50_us : undefined;
  return [
    { target: 'hot 64 B invoke (TS API, 1 in flight) p50 ≤ 2 µs', figure: hot && `${hot.p50_us} µs`, verdict: verdict(hot?.p50_us, 2) },
    { target: 'hot 64 B invoke (TS API, 1 in flight) p99 ≤ 10 µs', figure: hot && `${hot.p99_us} µs`, verdict: verdict(hot?.p99_us, 10) },
    { target: '64 B, many in flight (256) ≥ 300,000/s', figure: many && `${many.ops_per_s}/s`, verdict: verdict(many?.ops_per_s, 300000, true) },
    { target: 'hot 64 B p50 within 3× of the C floor', figure: ratio && `${ratio.toFixed(2)}×`, verdict: verdict(ratio, 3) },
    { target: 'local HTTP invoke 64 B p50 ≤ 100 µs (keep-alive)', figure: http && `${http.p50_us} µs`, verdict: verdict(http?.p50_us, 100) },
  ];
}

/** Cold start: each on-demand case's p50 and p99 against its limit (bench/cold-start.js). */
function coldStartTargets(results) {
  return results
    .filter((r) => r.target_ms !== undefined)
    .flatMap((r) => [
      { target: `${r.case}: p50 ≤ ${r.target_ms} ms`, figure: `${r.p50_ms} ms`, verdict: verdict(r.p50_ms, r.target_ms) },
      { target: `${r.case}: p99 ≤ ${r.target_ms} ms`, figure: `${r.p99_ms} ms`, verdict: verdict(r.p99_ms, r.target_ms) },
    ]);
}

/** Footprint: the idle runtime's RSS and the 2 MB limit (bench/footprint.js records its verdicts). */
function footprintTargets(results) {
  const idle = results.find((r) => r.case === 'target-idle-runtime-rss');
  const limit = results.find((r) => r.case === 'target-2mb-limit');
  return [
    ...(idle ? [{ target: idle.target, figure: `${(idle.rss_kb / 1024).toFixed(1)} MiB`, verdict: verdict(idle.rss_kb, idle.target_kb) }] : []),
    ...(limit ? [{ target: limit.target, figure: `checked: ${limit.checked}`, verdict: limit.verdict }] : []),
  ];
}

/** Peers: a nanolambda Node.js function at least 10× faster per warm invoke than lambda-local (its p50 ÷ ours). */
const PEER_RATIO_TARGET = 10;
function peersTargets(results) {
  return results
    .filter((r) => r.case === 'ratio' && r.of.startsWith('lambda-local'))
    .map((r) => ({
      target: `${r.name} (${r.bytes} B event) ≥ ${PEER_RATIO_TARGET}×`,
      figure: `${r.p50_ratio}×`,
      verdict: verdict(r.p50_ratio, PEER_RATIO_TARGET, true),
    }));
}

module.exports = { invokeTargets, coldStartTargets, footprintTargets, peersTargets, PEER_RATIO_TARGET, mark, verdict };
