// Bounds the MQTT packets a connection may send, before anyone is
// authenticated: aedes's parser accepts packets of up to 256 MB and queues
// those that arrive before CONNECT, so without this any peer that reaches
// the port could make the runtime buffer that much per connection. It reads
// only each packet's fixed header (type byte, then the remaining length as a
// variable-length integer of 1 to 4 bytes) and skips the body.
import type { Socket } from 'node:net';

export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Account for bytes read from the connection; false when a packet is too large or malformed. */
  feed(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'type') {
        i++;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === 'length') {
        const byte = chunk[i++]!;
        this.length += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (byte & 0x80) {
          if (this.lengthBytes === 4) return false; // MQTT allows 4 length bytes at most
          continue;
        }
        if (this.length > this.maxPacketBytes) return false;
        this.remaining = this.length;
        this.state = this.remaining > 0 ? 'body' : 'type';
      } else {
        const skipped = Math.min(this.remaining, chunk.length - i);
        i += skipped;
        this.remaining -= skipped;
        if (this.remaining === 0) this.state = 'type';
      }
    }
    return true;
  }

  /**
   * Watch what aedes reads from `socket` (it pulls with read() on
   * 'readable'), destroying the connection at the first oversized packet.
   */
  static attach(socket: Socket, maxPacketBytes: () => number, onRefused: (bytes: number) => void): void {
    const guard = new PacketSizeGuard(maxPacketBytes());
    const read = socket.read.bind(socket);
    socket.read = (size?: number) => {
      const chunk = read(size) as Buffer | string | null;
      if (chunk !== null && typeof chunk !== 'string' && !guard.feed(chunk)) {
        onRefused(guard.length);
        socket.destroy();
        return null;
      }
      return chunk;
    };
  }
}
