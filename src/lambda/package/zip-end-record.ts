// Finding the central directory: the end-of-central-directory record (EOCD)
// and, when a field is saturated, the Zip64 record it points to. Every number
// read here comes from the uploader and is checked against the buffer before
// it is used as an offset.
import { corruptZip } from './package-error';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const MAX_COMMENT = 0xffff;

export interface CentralDirectoryLocation {
  /** Entries the zip declares (not yet checked against the directory itself). */
  entryCount: number;
  offset: number;
  size: number;
  /** Where the central directory must end at the latest (the Zip64 record or the EOCD). */
  limit: number;
  zip64: boolean;
}

/** Read a little-endian 64-bit field; values past 2^53 cannot be offsets into a 50 MB buffer. */
export function readUint64(buf: Buffer, at: number, what: string): number {
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corruptZip(`the Zip64 ${what} (${value}) is impossibly large`);
  return Number(value);
}

export function locateCentralDirectory(zip: Buffer): CentralDirectoryLocation {
  const eocd = findEndRecord(zip);
  const disk = zip.readUInt16LE(eocd + 4);
  const cdDisk = zip.readUInt16LE(eocd + 6);
  const diskEntries = zip.readUInt16LE(eocd + 8);
  let entryCount = zip.readUInt16LE(eocd + 10);
  let size = zip.readUInt32LE(eocd + 12);
  let offset = zip.readUInt32LE(eocd + 16);
  let limit = eocd;

  const locator = eocd - ZIP64_LOCATOR_SIZE;
  const zip64 = locator >= 0 && zip.readUInt32LE(locator) === ZIP64_LOCATOR_SIGNATURE;
  if (zip64) {
    const record = readUint64(zip, locator + 8, 'end record offset');
    if (zip.readUInt32LE(locator + 4) !== 0 || zip.readUInt32LE(locator + 16) > 1) {
      throw corruptZip('multi-disk (split or spanned) zips are not supported');
    }
    if (record + ZIP64_EOCD_SIZE > locator || zip.readUInt32LE(record) !== ZIP64_EOCD_SIGNATURE) {
      throw corruptZip('the Zip64 end record is missing or out of place');
    }
    if (zip.readUInt32LE(record + 16) !== 0 || zip.readUInt32LE(record + 20) !== 0) {
      throw corruptZip('multi-disk (split or spanned) zips are not supported');
    }
    const diskEntries64 = readUint64(zip, record + 24, 'entry count');
    // A saturated 16/32-bit field defers to the Zip64 one; any other must agree
    // with it, or two zip readers could see two different packages.
    entryCount = agree(entryCount, 0xffff, readUint64(zip, record + 32, 'entry count'), 'entry count');
    size = agree(size, 0xffffffff, readUint64(zip, record + 40, 'central directory size'), 'central directory size');
    offset = agree(offset, 0xffffffff, readUint64(zip, record + 48, 'central directory offset'), 'central directory offset');
    if (diskEntries64 !== entryCount) throw corruptZip('multi-disk (split or spanned) zips are not supported');
    limit = record;
  } else {
    if (entryCount === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      throw corruptZip('the end record points to a Zip64 record that is not there');
    }
    if (disk !== 0 || cdDisk !== 0 || diskEntries !== entryCount) {
      throw corruptZip('multi-disk (split or spanned) zips are not supported');
    }
  }
  if (offset + size > limit) {
    throw corruptZip(`the central directory (${size} bytes at offset ${offset}) runs past the end record at ${limit}`);
  }
  return { entryCount, offset, size, limit, zip64 };
}

/**
 * The EOCD is the last thing in a zip, followed only by its comment. Search
 * backwards and accept a signature only where the comment length it declares
 * reaches the end of the buffer exactly, so a signature inside the comment or
 * inside file data is not mistaken for it.
 */
function findEndRecord(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_SIZE + zip.readUInt16LE(at + 20) === zip.length) {
      return at;
    }
  }
  throw corruptZip(`not a zip file (no end-of-central-directory record in its ${zip.length} bytes)`);
}

function agree(value: number, saturated: number, value64: number, what: string): number {
  if (value !== saturated && value !== value64) {
    throw corruptZip(`the end record and the Zip64 end record disagree on the ${what} (${value} and ${value64})`);
  }
  return value64;
}
