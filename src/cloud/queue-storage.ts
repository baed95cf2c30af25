// Where the cloud-bound queue keeps its messages: the interface both kinds
// (SQLite file, memory) implement, so the queue's policy (bounds, what to
// drop) is written once, in outbound-queue.ts, and never branches on storage.

export interface QueuedMessage {
  /** Increasing in the order messages were queued (never reused while the store lives). */
  id: number;
  topic: string;
  payload: Buffer;
  /** What it counts against the queue's bound: topic (UTF-8) plus payload bytes. */
  bytes: number;
}

export interface QueueStorage {
  /** Messages stored. */
  readonly count: number;
  /** Sum of their `bytes`. */
  readonly bytes: number;
  /** The oldest message, undefined when empty. */
  first(): QueuedMessage | undefined;
  /** Ids and sizes of the oldest messages, oldest first, until `enough` says stop (it is given each in turn). */
  oldest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }>;
  /** Ids and sizes of the newest messages, newest first, until `enough` says stop. */
  newest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }>;
  /**
   * In one step that either happens whole or not at all (and is durable
   * before it returns, for the file storage): remove `removeIds`, then
   * append `message` when given. Returns the appended message.
   */
  commit(removeIds: readonly number[], message: { topic: string; payload: Buffer } | undefined): QueuedMessage | undefined;
  close(): void;
}

/** What a message counts against the bound. */
export function messageBytes(topic: string, payload: Buffer): number {
  return Buffer.byteLength(topic, 'utf8') + payload.length;
}
