// Error documents for invocations that did not end with the function's own
// answer. Shapes and wording follow AWS Lambda (shared/spec/lambda-api.md §1)
// so tools that parse Lambda errors understand them.
import { randomUUID } from 'node:crypto';
import type { Outcome } from './invocation';

function errorDocument(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

export function unhandled(errorType: string, cause: string): Outcome {
  return { kind: 'unhandled', payload: errorDocument(errorType, `RequestId: ${randomUUID()} Error: ${cause}`) };
}

/** The function's own gg_lambda_handler_write_error message. */
export function handledError(message: Buffer): Outcome {
  return { kind: 'handled', payload: Buffer.from(JSON.stringify({ errorMessage: message.toString('utf8') })) };
}

export function timedOut(timeoutMs: number): Outcome {
  return unhandled('Sandbox.Timedout', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
}

const signalWords: Record<string, string> = {
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGKILL: 'killed',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGPIPE: 'broken pipe',
};

/** Launcher exit codes (native/launcher/launcher.c). */
const launcherCodes: Record<number, string> = {
  125: 'the launcher could not prepare the worker (see the function log)',
  126: 'the executable could not be executed (see the function log)',
  127: 'the executable was not found (see the function log)',
};

/** "exit status 3" / "signal: segmentation fault (SIGSEGV)", Lambda's wording plus the signal name. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${signalWords[signal] ?? signal.toLowerCase()} (${signal})`;
  if (code === null) return 'exit status unknown';
  const launcher = launcherCodes[code];
  return launcher ? `exit status ${code}: ${launcher}` : `exit status ${code}`;
}

export function exitedDuringInvocation(code: number | null, signal: NodeJS.Signals | null): Outcome {
  return unhandled('Runtime.ExitError', `Runtime exited with error: ${describeExit(code, signal)}`);
}

export function exitedBeforeReady(code: number | null, signal: NodeJS.Signals | null): Outcome {
  return unhandled(
    'Runtime.ExitError',
    `Runtime exited before it started handling invocations (did main() call gg_runtime_start?): ${describeExit(code, signal)}`,
  );
}

export function protocolViolation(detail: string): Outcome {
  return unhandled('Runtime.InvalidResponse', `the worker broke the channel protocol and was stopped: ${detail}`);
}

export function responseTooLarge(bytes: number, limit: number): Outcome {
  return unhandled(
    'Function.ResponseSizeTooLarge',
    `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${limit} bytes).`,
  );
}

export function stopped(functionArn: string): Outcome {
  return unhandled('Runtime.Stopped', `function ${functionArn} stopped before this invocation ran`);
}

export function workerStartFailed(error: unknown): Outcome {
  return unhandled('Runtime.StartError', `could not start a worker: ${(error as Error)?.message ?? String(error)}`);
}

export function gaveUpAfterRedispatch(times: number): Outcome {
  return unhandled('Runtime.ExitError', `Runtime exited ${times} times before it could start this invocation`);
}
