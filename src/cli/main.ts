#!/usr/bin/env node
// The `nanolambda` command: dispatch to a subcommand, turn known errors into
// a one-line message and an exit code (2 for usage, input and config errors).
import { NanolambdaError } from '../errors';
import { parseArgs } from './args';
import { UsageError } from './cli-error';
import type { Command } from './command';
import { benchCommand } from './commands/bench';
import { credentialsCommand } from './commands/credentials';
import { demoCommand } from './commands/demo';
import { deployCommand } from './commands/deploy';
import { doctorCommand } from './commands/doctor';
import { invokeCommand } from './commands/invoke';
import { logsCommand } from './commands/logs';
import { psCommand } from './commands/ps';
import { sdkCommand } from './commands/sdk';
import { serviceCommand } from './commands/service';
import { startCommand } from './commands/start';

const commands: Command[] = [startCommand, deployCommand, invokeCommand, psCommand, logsCommand, credentialsCommand, demoCommand, benchCommand, doctorCommand, serviceCommand, sdkCommand];

function topUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: nanolambda <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `nanolambda <command> --help` for a command\'s options.',
  ].join('\n');
}

function version(): string {
  // package.json sits two levels above dist/cli/main.js (and src/cli/main.ts).
  return (require('../../package.json') as { version: string }).version;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${topUsage()}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topUsage()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`nanolambda: unknown command '${name}'\n\n${topUsage()}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command.flags, command.name);
    if (args.help) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`nanolambda ${command.name}: ${err.message}\n`);
      if (err.showUsage) process.stderr.write(`Run \`nanolambda ${command.name} --help\` for usage.\n`);
      return 2;
    }
    if (NanolambdaError.is(err) && err.code === 'CONFIG_INVALID') {
      // "<file>: <field>: <reason>" says it all; a stack would only hide it.
      process.stderr.write(`nanolambda ${command.name}: invalid config: ${err.message}\n`);
      return 2;
    }
    if (NanolambdaError.is(err)) {
      process.stderr.write(`nanolambda ${command.name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    process.stderr.write(`nanolambda ${command.name}: unexpected error (please report it):\n${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Let buffered output reach pipes before exiting; lingering handles
      // (a worker that would not die) must not keep the CLI alive.
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
