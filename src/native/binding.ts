// The one place that loads the native addon and declares its surface.
// The addon is thin glue over native/wire (see native/wire/nlw_channel.h)
// and native/spawn (nls_spawn.h); all policy lives in TypeScript.
import path from 'node:path';

/** Opaque handle to a mapped channel region, owned by the addon. */
export interface ChannelHandle {
  readonly __brand: 'ChannelHandle';
}

export interface OpenedChannel {
  handle: ChannelHandle;
  /** memfd of the shared region; pass to the worker as fd 3, then close. */
  shmFd: number;
  /** Host end of the socketpair (non-blocking, close-on-exec). */
  hostFd: number;
  /** Worker end of the socketpair; pass to the worker as fd 4, then close. */
  workerFd: number;
}

export interface SpawnedWorker {
  pid: number;
  /** Read ends of its stdout and stderr pipes (close-on-exec), now the caller's. */
  stdoutFd: number;
  stderrFd: number;
  /** A pidfd for pid, or -1 when the kernel gave none (before Linux 5.3); for watchExit. */
  pidfd: number;
}

export interface NativeBinding {
  /** Create a region (rings of ringBytes each, a power of two) and a socketpair. */
  channelOpen(ringBytes: number): OpenedChannel;
  /**
   * Put an invocation in the request ring and wake the worker if it sleeps.
   * Returns false when the ring has no room for it now (try again after
   * results were taken). Throws a RangeError naming the limit when the
   * record could never fit.
   */
  channelSubmit(handle: ChannelHandle, id: number, payload: Uint8Array, clientContext: Uint8Array | null): boolean;
  /**
   * Take the next result. meta receives [id, status, duration_ns] (status:
   * 0 success, 1 handled error, 2 too large; duration_ns: the handler's run
   * time as the worker measured it, 0xffffffff when over 4.29 s). When none is ready and spin is true, spins for the
   * channel's adaptive budget first. Returns undefined when still none: the
   * channel is then armed and the worker will send a Doorbell frame on the
   * socket when the next result is published. A result that fits in `into`
   * is copied there and its length returned; otherwise a new Buffer.
   */
  channelTake(handle: ChannelHandle, meta: Uint32Array, spin: boolean): Buffer | undefined;
  channelTake(handle: ChannelHandle, meta: Uint32Array, spin: boolean, into: Buffer): Buffer | number | undefined;
  /** [workerState, busyId, workerPid] as published by the worker. */
  channelWorkerState(handle: ChannelHandle, out: Uint32Array): void;
  /** Unmap the region. Safe to call twice. */
  channelClose(handle: ChannelHandle): void;
  /** Close a raw descriptor (used for the fds handed to a child). */
  closeFd(fd: number): void;
  /**
   * posix_spawn `file` (no PATH search) with `argv` (argv[0] included) and
   * exactly `envp` ("NAME=value") as its environment: /dev/null on fd 0,
   * new pipes on 1 and 2, copies of shmFd on 3 and workerFd on 4, a session
   * of its own, an empty signal mask and every signal's default action.
   * Throws as child_process.spawn reports a failure: code 'ENOENT' (...),
   * message "spawn <file> ENOENT", errno, syscall, path. Hand pid and pidfd
   * to watchExit at once: nothing else reaps the process.
   */
  spawnWorker(file: string, argv: string[], envp: string[], shmFd: number, workerFd: number): SpawnedWorker;
  /**
   * Reap pid once it exited and call back once with its exit code, or the
   * number of the signal that killed it (the other one null). Takes over
   * pidfd; with -1 it asks waitpid every 20 ms instead. A running watch
   * keeps the event loop alive, like a ChildProcess.
   */
  watchExit(pidfd: number, pid: number, callback: (code: number | null, signal: number | null) => void): void;
}

const packageRoot = path.resolve(__dirname, '..', '..');

let loaded: NativeBinding | undefined;

/** Load the addon once (a prebuild if one matches, else build/Release). */
export function nativeBinding(): NativeBinding {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    loaded = require('node-gyp-build')(packageRoot) as NativeBinding;
  }
  return loaded;
}

export { packageRoot };
