// `nanolambda service install`: write a systemd unit that runs `nanolambda
// start` on a config file at boot, and a config skeleton when there is none.
// It never runs systemctl: it prints the commands that enable the unit.
import fs from 'node:fs';
import path from 'node:path';
import { NanolambdaError } from '../../errors';
import { DEFAULT_CONFIG, DEFAULT_STATE_DIR, DEFAULT_UNIT_DIR, installService } from '../../service/install-service';
import { stringFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';

/** This package: dist/cli/commands/service.js (or src/cli/commands/service.ts) is three levels below it. */
const THIS_PACKAGE = path.resolve(__dirname, '..', '..', '..');

const usage = `Usage: nanolambda service install [--prefix DIR] [--user NAME] [--state-dir D]
                                 [--config FILE] [--unit-dir D] [--force]

Write the systemd unit nanolambda.service, which runs \`nanolambda start FILE\`
with this node (${process.execPath}), and, when FILE does not exist, a config
skeleton: no functions, StateDir and LogDir set, the Invoke API on 127.0.0.1.
An existing config is never overwritten; an existing unit only with --force.
systemctl is not run: the command prints what to run next.

Options:
  --prefix DIR     the nanolambda package the unit runs (default: ${THIS_PACKAGE})
  --user NAME      User= of the service (default: root, which containers,
                   cgroup limits and RunAs need)
  --state-dir D    Nanolambda.StateDir of the skeleton (default: ${DEFAULT_STATE_DIR})
  --config FILE    the group file (default: ${DEFAULT_CONFIG})
  --unit-dir D     where the unit goes (default: ${DEFAULT_UNIT_DIR})
  --force          replace an existing unit
  -h, --help       show this help`;

async function run(args: ParsedArgs): Promise<number> {
  const [action, ...extra] = args.positionals;
  if (action === undefined) throw new UsageError('missing action: the only one is `install`');
  if (action !== 'install') throw new UsageError(`unknown action '${action}': the only one is \`install\``);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const resolved = (name: string, fallback: string): string => {
    const value = stringFlag(args, name);
    return value === undefined ? fallback : path.resolve(value);
  };
  let result;
  try {
    result = installService({
      packageDir: resolved('prefix', THIS_PACKAGE),
      node: process.execPath,
      user: stringFlag(args, 'user') ?? 'root',
      stateDir: resolved('state-dir', DEFAULT_STATE_DIR),
      stateDirGiven: args.flags.has('state-dir'),
      config: resolved('config', DEFAULT_CONFIG),
      unitDir: resolved('unit-dir', DEFAULT_UNIT_DIR),
      force: args.flags.has('force'),
    });
  } catch (err) {
    // A bad option or an existing unit: say which, without a stack.
    if (NanolambdaError.is(err) && err.code === 'INVALID_PARAMETER') throw new UsageError(err.message, false);
    throw err;
  }
  const out: string[] = [`wrote ${result.unitFile}`];
  out.push(
    result.config.action === 'written'
      ? `wrote ${result.config.file} (a skeleton with no functions: add yours)`
      : `kept ${result.config.file} (it exists; not overwritten)`,
  );
  if (result.createdStateDir !== undefined) out.push(`created ${result.createdStateDir} (mode 0700)`);
  for (const w of result.warnings) out.push(`warning: ${w}`);
  out.push('', 'Next:');
  if (!fs.existsSync('/run/systemd/system')) {
    out.push('  (systemd is not running as PID 1 on this machine: run these where it is)');
  }
  out.push('  systemctl daemon-reload && systemctl enable --now nanolambda', '  journalctl -u nanolambda -f');
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

export const serviceCommand: Command = {
  name: 'service',
  summary: 'install a systemd unit that runs a group at boot',
  usage,
  flags: { prefix: 'string', user: 'string', 'state-dir': 'string', config: 'string', 'unit-dir': 'string', force: 'boolean' },
  run,
};
