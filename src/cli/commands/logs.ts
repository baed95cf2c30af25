// `nanolambda logs`: print the end of a function's log file and, with -f,
// keep printing what is appended, across rotation. It reads the file the
// group's config names; no runtime needs to run.
import fs from 'node:fs';
import type { FunctionSpec, GroupConfig } from '../../config/types';
import { NanolambdaError } from '../../errors';
import { FunctionLogs } from '../../logs/function-logs';
import { followFile, lastLines, openLog, Output } from '../../logs/log-reader';
import { parseFunctionName } from '../../registry/arn';
import { intFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { groupFromArg } from '../group-arg';

const DEFAULT_LINES = 50;

const usage = `Usage: nanolambda logs <function> [group.json] [-n N] [-f]

Print the last lines of a function's log: its output (stdout, stderr,
gg_log) and the START, END and REPORT lines of every invocation. The file is
<LogDir>/user/<region>/<account>/<function>.log of group.json (default: the
built-in example group); older lines are in <function>.log.1, .2, ... after
rotation. <function> is a name or an ARN; all versions share one log.

Options:
  -n, --lines N   lines to print (default ${DEFAULT_LINES}; 0 for none)
  -f, --follow    then print new lines as they come, across rotation, until Ctrl+C
  -h, --help      show this help`;

async function run(args: ParsedArgs): Promise<number> {
  const [name, file, ...extra] = args.positionals;
  if (name === undefined) throw new UsageError('missing <function>: name the function whose log to show, e.g. `nanolambda logs echo`');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': logs takes a function and one group file`);
  const lines = intFlag(args, 'lines', 0, 10_000_000) ?? intFlag(args, 'n', 0, 10_000_000) ?? DEFAULT_LINES;
  const follow = args.flags.has('follow') || args.flags.has('f');

  const group = groupFromArg(file);
  const fn = findFunction(group, name);
  const logFile = FunctionLogs.pathFor(group.logDir, fn);
  const out = new Output();

  // Open first: what is appended after the last lines printed is followed
  // from exactly there.
  const current = openLog(logFile);
  if (current === undefined) {
    const why = `${fn.name} has no log yet: ${logFile} does not exist (it is created when a worker of the function first starts)`;
    if (!follow) {
      process.stderr.write(`nanolambda logs: ${why}\n`);
      return 1;
    }
    process.stderr.write(`nanolambda logs: ${why}; waiting for it (Ctrl+C to stop)\n`);
  } else if (lines > 0) {
    out.write(lastLines(current, logFile, group.logRotation.files, lines));
  }
  if (!follow) {
    if (current !== undefined) fs.closeSync(current.fd);
    return 0;
  }
  return followFile(logFile, group.logRotation.files, out, current);
}

/** The group entry whose log `name` means: any entry with that function name (versions share a log). */
function findFunction(group: GroupConfig, input: string): FunctionSpec {
  const wanted = parseFunctionName(input);
  const fn = group.functions.find(
    (f) =>
      f.name === wanted.name &&
      (wanted.region === undefined || wanted.region === f.region) &&
      (wanted.accountId === undefined || wanted.accountId === f.accountId),
  );
  if (fn === undefined) {
    const names = [...new Set(group.functions.map((f) => f.name))].join(', ');
    throw new NanolambdaError('FUNCTION_NOT_FOUND', `Function not found: ${input} is not in ${group.file} (its functions: ${names || 'none'})`);
  }
  return fn;
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "print a function's log (START/END/REPORT lines and its output); -f follows it",
  usage,
  flags: { lines: 'string', n: 'string', follow: 'boolean', f: 'boolean' },
  run,
};
