// Writing one entry's bytes to a new file, never trusting its declared size:
// the inflated bytes are counted as they come and unpacking stops the moment
// they pass the size the central directory declared (which the manifest
// already held to the unzipped limit), so a lying entry writes at most its
// declared size plus nothing, and memory stays at one chunk.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { crc32 } from './crc32';
import { HEAD_BYTES } from '../../system/architecture';
import { corruptZip } from './package-error';
import { METHOD_STORED, type ZipEntry } from './zip-directory';

/** Entries up to this size are inflated in one call (bounded by maxOutputLength); larger ones stream. */
const ONE_CALL_LIMIT = 1024 * 1024;
const STREAM_CHUNK = 64 * 1024;
/** Create only: never follow or reuse something already at the path. */
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Write `entry` to `target` (which must not exist) with the mode `modeFor`
 * picks from the file's first bytes. Returns those first bytes.
 */
export async function writeEntry(
  zip: Buffer,
  entry: ZipEntry,
  target: string,
  modeFor: (head: Buffer) => number,
): Promise<Buffer> {
  const compressed = zip.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  const file = await fs.promises.open(target, CREATE_FLAGS, 0o600);
  try {
    let written = 0;
    let crc = 0;
    let head = Buffer.alloc(0);
    const take = async (chunk: Buffer): Promise<void> => {
      if (written + chunk.length > entry.uncompressedSize) {
        throw corruptZip(
          `it inflates to more than the ${entry.uncompressedSize} bytes the zip declares for it (a zip bomb, or a damaged zip); unpacking stopped`,
          entry.name,
        );
      }
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      crc = crc32(chunk, crc);
      written += chunk.length;
      await file.write(chunk);
    };

    if (entry.method === METHOD_STORED) {
      await take(compressed);
    } else if (entry.uncompressedSize <= ONE_CALL_LIMIT) {
      await take(inflateInOneCall(compressed, entry));
    } else {
      const inflate = zlib.createInflateRaw({ chunkSize: STREAM_CHUNK });
      inflate.end(compressed);
      try {
        for await (const chunk of inflate) await take(chunk as Buffer);
      } catch (err) {
        inflate.destroy();
        throw isZlibError(err) ? corruptZip(`its compressed data is damaged (${(err as Error).message})`, entry.name) : err;
      }
    }

    if (written !== entry.uncompressedSize) {
      throw corruptZip(`it unpacks to ${written} bytes, not the ${entry.uncompressedSize} the zip declares (a truncated or damaged zip)`, entry.name);
    }
    if (crc !== entry.crc32) throw corruptZip('its CRC-32 does not match its data (a damaged zip)', entry.name);
    await file.chmod(modeFor(head));
    // On disk before the package directory is renamed into place: after a
    // power cut a complete-looking package never holds empty files.
    await file.datasync();
    return head;
  } finally {
    await file.close();
  }
}

function inflateInOneCall(compressed: Buffer, entry: ZipEntry): Buffer {
  try {
    // One byte of room past the declared size: reaching it proves the entry lies, and zlib stops there.
    return zlib.inflateRawSync(compressed, { maxOutputLength: entry.uncompressedSize + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corruptZip(
        `it inflates to more than the ${entry.uncompressedSize} bytes the zip declares for it (a zip bomb, or a damaged zip); unpacking stopped`,
        entry.name,
      );
    }
    if (isZlibError(err)) throw corruptZip(`its compressed data is damaged (${(err as Error).message})`, entry.name);
    throw err;
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
