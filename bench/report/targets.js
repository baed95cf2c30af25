// The targets (issue 8, for these 2-core machines), checked against
// the figures a case wrote: each check says met or missed, never hides a miss.
'use strict';

const verdict = (value, limit, atLeast = false) =>
  value === undefined || value === null || Number.isNaN(value) ? 'no figure' : (atLeast ? value >= limit : value <= limit) ? 'met' : 'missed';

/** Targets read from bench/invoke.js's results. → [{ target, figure, verdict }] */
function invokeTargets(results) {
  const find = (name, bytes) => results.find((r) => r.case === name && r.bytes === bytes);
  const hot = find('ts-api-1-in-flight', 64);
  const many = find('ts-api-256-in-flight', 64);
  const floor = find('c-floor', 64);
  const http = find('http-keepalive-1-in-flight', 64);
  const idle = results.find((r) => r.case === 'runtime-idle-rss');
  const ratio = hot && floor ? hot.p50_us / floor.p50_us : undefined;
  const idleMiB = idle ? idle.rss_kb / 1024 : undefined;
  return [
    { target: 'hot 64 B invoke (TS API, 1 in flight) p50 ≤ 2 µs', figure: hot && `${hot.p50_us} µs`, verdict: verdict(hot?.p50_us, 2) },
    { target: 'hot 64 B invoke (TS API, 1 in flight) p99 ≤ 10 µs', figure: hot && `${hot.p99_us} µs`, verdict: verdict(hot?.p99_us, 10) },
    { target: '64 B, many in flight (256) ≥ 300,000/s', figure: many && `${many.ops_per_s}/s`, verdict: verdict(many?.ops_per_s, 300000, true) },
    { target: 'hot 64 B p50 within 3× of the C floor', figure: ratio && `${ratio.toFixed(2)}×`, verdict: verdict(ratio, 3) },
    { target: 'local HTTP invoke 64 B p50 ≤ 100 µs (keep-alive)', figure: http && `${http.p50_us} µs`, verdict: verdict(http?.p50_us, 100) },
    { target: 'idle runtime ≤ 45 MiB RSS', figure: idleMiB && `${idleMiB.toFixed(1)} MiB`, verdict: verdict(idleMiB, 45) },
  ];
}

module.exports = { invokeTargets, verdict };
