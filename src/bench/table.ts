// The terminal report: two aligned columns, label and figure.
import type { BenchReport } from './report';
import { formatCount, formatKb, formatMicros } from './units';

export function formatTable(r: BenchReport): string {
  const load = 'concurrency' in r.load ? `${r.load.concurrency} in flight` : `${r.load.ratePerS}/s target (open loop)`;
  const length = 'count' in r.length ? `${formatCount(r.length.count)} invocations` : `${r.length.durationS} s`;
  const cold = r.coldStart;
  const coldState = cold.workerExisted === null ? 'worker state unknown' : cold.workerExisted ? 'a worker existed: warm' : 'no worker before: cold';
  const rows: Array<[string, string]> = [
    ['function', r.function],
    ['via', `${r.via} → ${r.target}`],
    ['payload', `${formatCount(r.payloadBytes)} bytes`],
    ['load', `${load}, ${length}, ${r.warmup} warm-up`],
    ['first invocation', `${formatMicros(cold.latencyUs)} (${coldState})${cold.outcome === 'ok' ? '' : `, ${cold.outcome}: ${cold.message ?? ''}`}`],
    ['invocations', `${formatCount(r.invocations)} in ${r.elapsedS.toFixed(3)} s`],
    ['throughput', `${formatCount(r.throughputPerS)} /s`],
    ['latency p50', formatMicros(r.latencyUs.p50)],
    ['latency p90', formatMicros(r.latencyUs.p90)],
    ['latency p99', formatMicros(r.latencyUs.p99)],
    ['latency p99.9', formatMicros(r.latencyUs.p999)],
    ['latency max', formatMicros(r.latencyUs.max)],
    ['latency min / mean', `${formatMicros(r.latencyUs.min)} / ${formatMicros(r.latencyUs.mean)}`],
    ['function errors', errorCell(r.errors.functionErrors, r.errors.firstFunctionError)],
    ['failed requests', errorCell(r.errors.failedRequests, r.errors.firstFailedRequest)],
    ['worker memory', memoryCell(r)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}

function errorCell(count: number, first: string | null): string {
  return count === 0 ? '0' : `${formatCount(count)} (first: ${first ?? ''})`;
}

function memoryCell(r: BenchReport): string {
  const m = r.memory;
  if ('unavailable' in m) return `unknown (${m.unavailable})`;
  if (m.workers.length === 0) return 'no worker running';
  return `${m.workers.length} worker${m.workers.length === 1 ? '' : 's'}, RSS ${formatKb(m.totalRssKb)}, peak RSS ${formatKb(m.maxPeakRssKb)}`;
}
