// SigV4's URI encoding: every byte except the unreserved characters
// A-Z a-z 0-9 - . _ ~ becomes %XX with upper-case hex; '/' is kept in paths.
// Both the AWS CLI (botocore `quote(safe='/~')`, `quote(safe='-_.~')`) and the
// JS SDK (`escapeUri`) produce exactly this set.

const HEX = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || // -
    b === 0x2e || // .
    b === 0x5f || // _
    b === 0x7e // ~
  );
}

const SLASH = 0x2f;

/** Encode bytes; `keepSlash` leaves '/' as is (canonical URI) instead of %2F (query). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (isUnreserved(b) || (keepSlash && b === SLASH)) continue;
    if (i > plainFrom) out += Buffer.from(bytes.subarray(plainFrom, i)).toString('latin1');
    out += HEX[b];
    plainFrom = i + 1;
  }
  if (plainFrom === 0) return Buffer.from(bytes).toString('latin1');
  if (plainFrom < bytes.length) out += Buffer.from(bytes.subarray(plainFrom)).toString('latin1');
  return out;
}

/** Encode a string's UTF-8 bytes. */
export function uriEncode(text: string, keepSlash: boolean): string {
  return uriEncodeBytes(Buffer.from(text, 'utf8'), keepSlash);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Undo percent-encoding into bytes. A '%' not followed by two hex digits is
 * kept literally (it is re-encoded as %25), and '+' stays '+': the AWS
 * clients encode a space as %20, never as '+'.
 */
export function percentDecode(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  if (!raw.includes(0x25)) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]!);
      const lo = hexValue(raw[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}
