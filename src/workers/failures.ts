// Error documents for invocations that did not end with the function's own
// answer. Shapes and wording follow AWS Lambda (shared/spec/lambda-api.md §1)
// so tools that parse Lambda errors understand them. `requestId` is the
// invocation's id (the one in its log lines) where the caller knows it; a
// fresh one otherwise.
import { randomUUID } from 'node:crypto';
import type { Outcome } from './invocation';

/** errorType values of the failures below (also the REPORT line's Error Type). */
export const ErrorTypes = {
  timedOut: 'Sandbox.Timedout',
  initTimedOut: 'Runtime.InitTimeout',
  exit: 'Runtime.ExitError',
  invalidResponse: 'Runtime.InvalidResponse',
  responseTooLarge: 'Function.ResponseSizeTooLarge',
  stopped: 'Runtime.Stopped',
  startError: 'Runtime.StartError',
  /** For REPORT's Error Type; the invocation's own error is a Runtime.ExitError that says so. */
  outOfMemory: 'Runtime.OutOfMemory',
} as const;

function errorDocument(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

export function unhandled(errorType: string, cause: string, requestId: string = randomUUID()): Outcome {
  return { kind: 'unhandled', payload: errorDocument(errorType, `RequestId: ${requestId} Error: ${cause}`) };
}

/** The function's own gg_lambda_handler_write_error message. */
export function handledError(message: Buffer): Outcome {
  return { kind: 'handled', payload: Buffer.from(JSON.stringify({ errorMessage: message.toString('utf8') })) };
}

export function timedOut(timeoutMs: number, requestId?: string): Outcome {
  return unhandled(ErrorTypes.timedOut, `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, requestId);
}

/** The runtime did not ask for work within Lambda's INIT limit. */
export function initTimedOut(limitMs: number, requestId?: string): Outcome {
  return unhandled(ErrorTypes.initTimedOut, `the runtime did not finish initialising within ${(limitMs / 1000).toFixed(2)} seconds`, requestId);
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

export function exitedDuringInvocation(code: number | null, signal: NodeJS.Signals | null, requestId?: string): Outcome {
  return unhandled(ErrorTypes.exit, `Runtime exited with error: ${describeExit(code, signal)}`, requestId);
}

/** The kernel killed the worker for using its whole memory limit (Lambda: Runtime.ExitError, signal: killed). */
export function outOfMemory(limitBytes: number | undefined, requestId?: string): Outcome {
  const limit = limitBytes === undefined ? 'the memory it may use' : `its memory limit of ${Math.round(limitBytes / (1024 * 1024))} MB (MemorySize)`;
  return unhandled(
    ErrorTypes.exit,
    `Runtime exited with error: signal: killed (SIGKILL): Runtime.OutOfMemory: the function ran out of memory: it reached ${limit}`,
    requestId,
  );
}

/**
 * `hint` says what starting means for this kind of worker (an executable's
 * main() calling gg_runtime_start; a runtime program loading its handler).
 */
export function exitedBeforeReady(code: number | null, signal: NodeJS.Signals | null, requestId?: string, hint = 'did main() call gg_runtime_start?'): Outcome {
  return unhandled(ErrorTypes.exit, `Runtime exited before it started handling invocations (${hint}): ${describeExit(code, signal)}`, requestId);
}

export function protocolViolation(detail: string, requestId?: string): Outcome {
  return unhandled(ErrorTypes.invalidResponse, `the worker broke the channel protocol and was stopped: ${detail}`, requestId);
}

export function responseTooLarge(bytes: number, limit: number, requestId?: string): Outcome {
  return unhandled(
    ErrorTypes.responseTooLarge,
    `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${limit} bytes).`,
    requestId,
  );
}

export function stopped(functionArn: string, requestId?: string): Outcome {
  return unhandled(ErrorTypes.stopped, `function ${functionArn} stopped before this invocation ran`, requestId);
}

export function workerStartFailed(error: unknown, requestId?: string): Outcome {
  return unhandled(ErrorTypes.startError, `could not start a worker: ${(error as Error)?.message ?? String(error)}`, requestId);
}

export function gaveUpAfterRedispatch(times: number, requestId?: string): Outcome {
  return unhandled(ErrorTypes.exit, `Runtime exited ${times} times before it could start this invocation`, requestId);
}
