// `nanolambda deploy <group.json>`: switch a running runtime to another group
// definition without a restart (Runtime.deploy, through the control socket in
// the group's state directory).
import path from 'node:path';
import { loadGroupFile } from '../../config/load-group';
import { requestDeploy } from '../../control/control-client';
import type { ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';

const usage = `Usage: nanolambda deploy <group.json>

Switch the runtime running on group.json's state directory to group.json.
The file is checked here first (a config error is printed and nothing
changes), then by the runtime, which refuses a group this machine cannot
isolate or one that changes its own settings (StateDir, LogDir, Http,
LogRotation, MaxConcurrentWorkers: those need a restart).

Functions whose settings did not change keep their warm workers; invocations
in flight on a changed or removed function finish on it; new ones use the
new group.

Options:
  -h, --help   show this help`;

async function run(args: ParsedArgs): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new UsageError('deploy needs the group file to deploy');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': deploy takes one group file`);
  const absolute = path.resolve(file);
  const group = loadGroupFile(absolute);
  await requestDeploy(group.stateDir, absolute);
  process.stdout.write(`deployed ${absolute}: ${group.functions.length} function entries, state directory ${group.stateDir}\n`);
  return 0;
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'switch a running runtime to another group definition',
  usage,
  flags: {},
  run,
};
