// `nanolambda doctor`: check this machine for what a group needs (native
// parts for its CPU, cgroups, namespaces, binfmt, ports, directories,
// versions) and print one line per check and a summary. Exit 0 when the
// group can run here, 1 when something it needs is missing.
import type { CheckResult } from '../../doctor/check';
import { runChecks } from '../../doctor/run-checks';
import type { ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { groupFromArg } from '../group-arg';

const usage = `Usage: nanolambda doctor [group.json] [--json]

Check whether this machine can run group.json (default: the built-in example
group) and print one line per check: ok, missing (the group needs it; exit
status 1) or warning (it can run without), with the file or setting read.
Checked: architecture and the native parts built for it, glibc and Node,
cgroup versions and the memory, pids, cpu and devices controllers,
namespaces and containers, binfmt_misc and an aarch64 handler, the HTTP
and MQTT ports, and the state and log directories.

Options:
  --json       print the checks as JSON
  -h, --help   show this help`;

async function run(args: ParsedArgs): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': doctor takes one group file`);
  const group = groupFromArg(file);
  const checks = await runChecks(group);
  const count = (status: CheckResult['status']) => checks.filter((c) => c.status === status).length;
  const summary = { ok: count('ok'), missing: count('missing'), warning: count('warning') };
  const canRun = summary.missing === 0;
  if (args.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ group: group.file, canRun, summary, checks }, null, 2)}\n`);
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const lines = checks.map((c) => `${c.status.padEnd(7)}  ${c.name.padEnd(width)}  ${c.reason}`);
    lines.push(
      '',
      `${summary.ok} ok, ${summary.missing} missing, ${summary.warning} warning${summary.warning === 1 ? '' : 's'}: ` +
        `${canRun ? 'this machine can run' : 'this machine cannot run'} ${group.file}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return canRun ? 0 : 1;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check this machine for what a group needs',
  usage,
  flags: { json: 'boolean' },
  run,
};
