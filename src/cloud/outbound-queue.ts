// The bounded FIFO of messages waiting for the cloud: Greengrass V1's
// spooler. The bound is on topic + payload bytes of everything queued
// (Queue.MaxBytes); when a new message does not fit, DropOldest removes the
// oldest until it does (Greengrass's behaviour: the newest data matters most)
// and DropNewest refuses the new one (the oldest, perhaps a first alarm,
// is kept). Dropping is not an error for the publisher: it is counted and
// reported by the caller.
import { NanolambdaError } from '../errors';
import type { WhenFull } from './cloud-config';
import { messageBytes, type QueuedMessage, type QueueStorage } from './queue-storage';

export interface PushResult {
  /** The queued message; undefined when DropNewest dropped it. */
  stored: QueuedMessage | undefined;
  /** Ids of older messages removed to make room (DropOldest). */
  droppedIds: number[];
}

export class OutboundQueue {
  constructor(
    private readonly storage: QueueStorage,
    readonly maxBytes: number,
    readonly whenFull: WhenFull,
  ) {}

  get count(): number {
    return this.storage.count;
  }

  get bytes(): number {
    return this.storage.bytes;
  }

  first(): QueuedMessage | undefined {
    return this.storage.first();
  }

  /**
   * Queue a message (durably, for the file storage, before returning).
   * Throws PAYLOAD_TOO_LARGE when it alone exceeds the bound, STORAGE_FAILED
   * when the disk refuses it.
   */
  push(topic: string, payload: Buffer): PushResult {
    const bytes = messageBytes(topic, payload);
    if (bytes > this.maxBytes) {
      throw new NanolambdaError(
        'PAYLOAD_TOO_LARGE',
        `the message for the cloud on topic ${JSON.stringify(topic)} is ${bytes} bytes (topic and payload), ` +
          `more than the whole cloud queue may hold (Cloud.Queue.MaxBytes ${this.maxBytes})`,
      );
    }
    const excess = this.storage.bytes + bytes - this.maxBytes;
    if (excess <= 0) return { stored: this.storage.commit([], { topic, payload }), droppedIds: [] };
    if (this.whenFull === 'DropNewest') return { stored: undefined, droppedIds: [] };
    let freed = 0;
    const dropped = this.storage.oldest((message) => (freed += message.bytes) >= excess).map((message) => message.id);
    // Removal and insertion in one transaction: a crash never loses the old ones without keeping the new one.
    return { stored: this.storage.commit(dropped, { topic, payload }), droppedIds: dropped };
  }

  /** Forget a message: it was delivered (or refused for good). */
  remove(id: number): void {
    this.storage.commit([id], undefined);
  }

  /**
   * Apply the bound to what an earlier run stored (MaxBytes may have been
   * lowered since): the oldest go for DropOldest, the newest for DropNewest,
   * as if they had arrived under this bound. Returns how many were dropped.
   */
  trimToBound(): number {
    const excess = this.storage.bytes - this.maxBytes;
    if (excess <= 0) return 0;
    let freed = 0;
    const enough = (message: { bytes: number }) => (freed += message.bytes) >= excess;
    const ids = (this.whenFull === 'DropOldest' ? this.storage.oldest(enough) : this.storage.newest(enough)).map((message) => message.id);
    this.storage.commit(ids, undefined);
    return ids.length;
  }

  close(): void {
    this.storage.close();
  }
}
