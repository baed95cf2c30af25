// The shape every `nanolambda <command>` module exports.
import type { FlagSpec, ParsedArgs } from './args';

export interface Command {
  name: string;
  /** One line for the top-level usage. */
  summary: string;
  /** The full `--help` text. */
  usage: string;
  flags: FlagSpec;
  /** Resolves with the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}
