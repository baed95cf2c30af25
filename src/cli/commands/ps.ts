// `nanolambda ps`: what a running runtime is doing, from its control socket
// in the group's state directory: functions, their workers, queue depths.
import { fetchStatus } from '../../control/control-client';
import type { FunctionStatus, RuntimeStatus } from '../../control/status';
import type { ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { groupFromArg } from '../group-arg';

const usage = `Usage: nanolambda ps [group.json] [--json]

Show the functions of the runtime running group.json (default: the built-in
example group): each function's lifecycle, queue depths and workers with
their pid, state, age, invocations and memory. The runtime is reached
through the control socket in the group's state directory.

Options:
  --json       print the status document as JSON
  -h, --help   show this help`;

async function run(args: ParsedArgs): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': ps takes one group file`);
  const group = groupFromArg(file);
  const status = await fetchStatus(group.stateDir);
  process.stdout.write(args.flags.has('json') ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  return 0;
}

export function formatStatus(status: RuntimeStatus): string {
  const lines = [
    `runtime pid ${status.pid}, up ${duration(Date.now() - Date.parse(status.startedAt))}, ` +
      `${status.workersInUse}/${status.maxConcurrentWorkers} on-demand workers, group ${status.group}`,
    '',
  ];
  const rows: string[][] = [['FUNCTION', 'VERSION', 'LIFECYCLE', 'WORKERS', 'QUEUED', 'EVENTS', 'PID', 'STATE', 'AGE', 'INVOCATIONS', 'RSS', 'PEAK RSS']];
  for (const fn of status.functions) {
    const summary = functionColumns(fn);
    if (fn.workers.length === 0) rows.push([...summary, '-', '-', '-', '-', '-', '-']);
    fn.workers.forEach((worker, i) => {
      rows.push([
        ...(i === 0 ? summary : summary.map(() => '')),
        String(worker.pid ?? '-'),
        worker.state,
        duration(worker.ageMs),
        String(worker.invocations),
        kilobytes(worker.rssKb),
        kilobytes(worker.peakRssKb),
      ]);
    });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) lines.push(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  if (status.mqtt) lines.push(`devices connect to ${status.mqtt.host}:${status.mqtt.port}`);
  if (status.cloud) {
    const c = status.cloud;
    lines.push(
      `cloud: ${c.connected ? 'connected' : `offline${c.lastError ? ` (${c.lastError})` : ''}`}, ` +
        `${c.queuedMessages} queued (${c.queuedBytes} bytes), ${c.delivered} delivered, ${c.dropped} dropped`,
    );
  }
  for (const stranded of status.strandedEvents) {
    lines.push(`note: ${stranded.queued} stored events of ${stranded.functionArn}, which is not in the group, are kept and not run`);
  }
  return `${lines.join('\n')}\n`;
}

function functionColumns(fn: FunctionStatus): string[] {
  return [
    fn.name,
    fn.version,
    fn.lifecycle,
    `${fn.workers.length}/${fn.maxInstances}${fn.minWarm > 0 ? ` (${fn.minWarm} warm)` : ''}`,
    `${fn.queued}/${fn.maxQueueSize}`,
    `${fn.events.queued} (${fn.events.inFlight} running)`,
  ];
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

function kilobytes(kb: number | undefined): string {
  if (kb === undefined) return '-';
  return kb < 10_240 ? `${kb} KB` : `${(kb / 1024).toFixed(1)} MB`;
}

export const psCommand: Command = {
  name: 'ps',
  summary: "list a running runtime's functions, workers and queues",
  usage,
  flags: { json: 'boolean' },
  run,
};
