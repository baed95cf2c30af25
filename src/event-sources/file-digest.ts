// The MD5 of an open file, hex: S3's ETag of an object uploaded in one part.
// Read from the descriptor the caller opened, so the digest, the size and
// the mtime all describe the same inode even if the name is replaced.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;

export async function md5Hex(file: FileHandle): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = 0;
  for (;;) {
    const { bytesRead } = await file.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return hash.digest('hex');
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}
