// A tiny argument parser: `--flag value`, `--flag=value`, boolean `--flag`,
// `-h`, `-x` for a command's one-letter flags (`-n 20`, `-f`), and `--` to
// end flags. A lone `-` is a positional (stdin).
import { UsageError } from './cli-error';

export type FlagKind = 'string' | 'boolean';
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
  help: boolean;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.length !== 2 || spec[arg[1]!] === undefined) throw new UsageError(`unknown option '${arg}' for \`nanolambda ${command}\``);
      arg = `-${arg}`;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option '--${name}' for \`nanolambda ${command}\``);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`option '--${name}' takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`option '--${name}' needs a value`);
      }
      i++;
    }
    flags.set(name, value);
  }
  return { positionals, flags, help };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** An integer flag within [min, max], or undefined when absent. */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`option '--${name}': '${text}' is not an integer from ${min} to ${max}`);
  }
  return value;
}

export function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`option '--${name}': '${text}' is not one of ${allowed.join(', ')}`);
  }
  return text as T;
}
