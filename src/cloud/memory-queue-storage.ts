// The cloud queue kept in memory (Queue.Storage "Memory", Greengrass's
// default): fast, and lost when the process stops.
import { messageBytes, type QueuedMessage, type QueueStorage } from './queue-storage';

export class MemoryQueueStorage implements QueueStorage {
  // A Map iterates in insertion order: the queue order, with removal by id in O(1).
  private readonly messages = new Map<number, QueuedMessage>();
  private nextId = 1;
  private totalBytes = 0;

  get count(): number {
    return this.messages.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  first(): QueuedMessage | undefined {
    return this.messages.values().next().value;
  }

  oldest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }> {
    const taken: Array<{ id: number; bytes: number }> = [];
    for (const message of this.messages.values()) {
      taken.push({ id: message.id, bytes: message.bytes });
      if (enough(message)) break;
    }
    return taken;
  }

  newest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }> {
    const taken: Array<{ id: number; bytes: number }> = [];
    // A Map cannot be walked backwards; this only runs when a queue is trimmed at open.
    for (const message of [...this.messages.values()].reverse()) {
      taken.push({ id: message.id, bytes: message.bytes });
      if (enough(message)) break;
    }
    return taken;
  }

  commit(removeIds: readonly number[], message: { topic: string; payload: Buffer } | undefined): QueuedMessage | undefined {
    for (const id of removeIds) {
      const removed = this.messages.get(id);
      if (!removed) continue;
      this.messages.delete(id);
      this.totalBytes -= removed.bytes;
    }
    if (!message) return undefined;
    // A copy: the caller may reuse its buffer while the message waits.
    const payload = Buffer.from(message.payload);
    const stored: QueuedMessage = { id: this.nextId++, topic: message.topic, payload, bytes: messageBytes(message.topic, payload) };
    this.messages.set(stored.id, stored);
    this.totalBytes += stored.bytes;
    return stored;
  }

  close(): void {
    this.messages.clear();
    this.totalBytes = 0;
  }
}
