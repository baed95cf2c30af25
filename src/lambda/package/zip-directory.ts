// The central directory of a zip, read and checked before anything is
// written: every entry's record, its local header, and where its data lies.
// The central directory is the authority (as for Info-ZIP and Lambda); the
// local headers must agree with it on name and method, and no two entries'
// headers-plus-data may share a byte, which rules out the overlapping-entry
// bombs (one compressed kernel referenced by many entries).
import { corruptZip, PackageError, quoteEntry } from './package-error';
import { locateCentralDirectory, readUint64 } from './zip-end-record';

const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

/** Names of compression methods people meet, for the refusal message. */
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink', 6: 'implode', 9: 'deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'zstd', 95: 'xz', 98: 'PPMd', 99: 'AES encryption',
};

export interface ZipEntry {
  /** The name as stored (UTF-8), not yet validated as a path. */
  name: string;
  /** The high byte of "version made by": 3 is Unix, 0 MS-DOS, 10 NTFS, 19 OS X. */
  hostSystem: number;
  externalAttributes: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's compressed data starts in the zip. */
  dataOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  zip64: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readZipDirectory(zip: Buffer, maxEntries: number): ZipDirectory {
  const cd = locateCentralDirectory(zip);
  if (cd.entryCount > maxEntries) {
    throw new PackageError(
      `The deployment package has ${cd.entryCount} entries; at most ${maxEntries} files and directories are allowed`,
    );
  }
  const end = cd.offset + cd.size;
  const entries: ZipEntry[] = [];
  const spans: Array<{ start: number; end: number; name: string }> = [];
  let at = cd.offset;
  for (let i = 0; i < cd.entryCount; i++) {
    if (at + CENTRAL_SIZE > end || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw corruptZip(`the central directory declares ${cd.entryCount} entries but entry ${i + 1} is not where it should be`);
    }
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) throw corruptZip(`central directory entry ${i + 1} runs past the end of the directory`);

    const rawName = zip.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    const name = decodeName(rawName);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
      throw new PackageError(
        `Deployment package entry ${quoteEntry(name)} is encrypted: Lambda cannot read password-protected zips; zip it without a password`,
        { entry: name },
      );
    }
    if (method !== METHOD_STORED && method !== METHOD_DEFLATED) {
      const known = METHOD_NAMES[method];
      throw new PackageError(
        `Deployment package entry ${quoteEntry(name)} uses compression method ${method}${known ? ` (${known})` : ''}; ` +
          'Lambda reads only stored and deflated entries: create the zip with `zip -r` or a default zip tool',
        { entry: name },
      );
    }

    let compressedSize = zip.readUInt32LE(at + 20);
    let uncompressedSize = zip.readUInt32LE(at + 24);
    let localOffset = zip.readUInt32LE(at + 42);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // The Zip64 extra field holds, in this order, only the fields that are saturated.
      const extra = findZip64Extra(zip, at + CENTRAL_SIZE + nameLength, extraLength, name);
      let field = extra.start;
      const take = (what: string): number => {
        if (field + 8 > extra.end) throw corruptZip(`its Zip64 field has no ${what}`, name);
        const value = readUint64(zip, field, what);
        field += 8;
        return value;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
      if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
      if (localOffset === 0xffffffff) localOffset = take('local header offset');
    }
    if (method === METHOD_STORED && compressedSize !== uncompressedSize) {
      throw corruptZip(`it is stored uncompressed but declares ${compressedSize} bytes stored and ${uncompressedSize} unpacked`, name);
    }

    const dataOffset = checkLocalHeader(zip, localOffset, rawName, method, cd.offset, name);
    const dataEnd = dataOffset + compressedSize;
    if (dataEnd > cd.offset) throw corruptZip(`its data runs into the central directory`, name);
    spans.push({ start: localOffset, end: dataEnd, name });
    entries.push({
      name,
      hostSystem: zip.readUInt16LE(at + 4) >> 8,
      externalAttributes: zip.readUInt32LE(at + 38),
      method,
      crc32: zip.readUInt32LE(at + 16),
      compressedSize,
      uncompressedSize,
      dataOffset,
    });
    at = next;
  }
  refuseOverlaps(spans);
  return { entries, zip64: cd.zip64 };
}

function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new PackageError(
      `Deployment package entry ${quoteEntry(raw.toString('latin1'))} has a name that is not valid UTF-8 ` +
        '(made with a legacy code page?): rename it with UTF-8 or ASCII characters',
      { entry: raw.toString('latin1') },
    );
  }
}

/** The data of the Zip64 extra field inside an entry's extra block. */
function findZip64Extra(zip: Buffer, start: number, length: number, name: string): { start: number; end: number } {
  let at = start;
  const end = start + length;
  while (at + 4 <= end) {
    const id = zip.readUInt16LE(at);
    const size = zip.readUInt16LE(at + 2);
    if (at + 4 + size > end) break;
    if (id === ZIP64_EXTRA_ID) return { start: at + 4, end: at + 4 + size };
    at += 4 + size;
  }
  throw corruptZip('a size or offset is marked as Zip64 but the entry has no Zip64 field', name);
}

/** Check the local header agrees with the central directory; return where the data starts. */
function checkLocalHeader(zip: Buffer, offset: number, rawName: Buffer, method: number, cdOffset: number, name: string): number {
  if (offset + LOCAL_SIZE > cdOffset || zip.readUInt32LE(offset) !== LOCAL_SIGNATURE) {
    throw corruptZip(`there is no local header at offset ${offset}`, name);
  }
  const nameLength = zip.readUInt16LE(offset + 26);
  const extraLength = zip.readUInt16LE(offset + 28);
  const dataOffset = offset + LOCAL_SIZE + nameLength + extraLength;
  if (dataOffset > cdOffset) throw corruptZip('its local header runs into the central directory', name);
  if (!zip.subarray(offset + LOCAL_SIZE, offset + LOCAL_SIZE + nameLength).equals(rawName)) {
    throw corruptZip('its local header names a different file than the central directory', name);
  }
  if (zip.readUInt16LE(offset + 8) !== method) {
    throw corruptZip('its local header and the central directory disagree on the compression method', name);
  }
  return dataOffset;
}

function refuseOverlaps(spans: Array<{ start: number; end: number; name: string }>): void {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const here = sorted[i]!;
    if (here.start < before.end) {
      throw new PackageError(
        `Deployment package entries ${quoteEntry(before.name)} and ${quoteEntry(here.name)} overlap inside the zip ` +
          '(a zip-bomb construction; no zip tool makes this): re-create the zip with a standard tool',
        { entry: here.name },
      );
    }
  }
}
