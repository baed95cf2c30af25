// Errors the CLI reports without a stack: the message says what to do.

/** Exit 2: the command line, an input file or the endpoint is at fault. */
export class UsageError extends Error {
  /** Point at `--help` after the message (not for input or connection errors). */
  readonly showUsage: boolean;

  constructor(message: string, showUsage = true) {
    super(message);
    this.name = 'UsageError';
    this.showUsage = showUsage;
  }
}
