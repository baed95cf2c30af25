// The one place that loads the native addon and declares its surface.
// The addon is thin glue over native/wire (see native/wire/nlw_channel.h);
// all policy lives in TypeScript.
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
