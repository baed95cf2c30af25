// The parts of a SigV4 canonical request, rebuilt from a request exactly as
// it arrived on the wire (non-S3 rules, as botocore and the JS SDK sign):
//   METHOD \n canonical URI \n canonical query \n canonical headers \n
//   signed header list \n payload hash
import { percentDecode, uriEncode, uriEncodeBytes } from './uri-encoding';

/** Lower-case header name -> its values in the order they came (duplicates kept). */
export type HeaderIndex = Map<string, string[]>;

/** From Node's rawHeaders ([name, value, name, value, ...]). */
export function indexHeaders(rawHeaders: readonly string[]): HeaderIndex {
  const index: HeaderIndex = new Map();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const values = index.get(name);
    if (values === undefined) index.set(name, [rawHeaders[i + 1]!]);
    else values.push(rawHeaders[i + 1]!);
  }
  return index;
}

/** The path and query of a request target: origin form (/p?q) or absolute form (http://h/p?q). */
export function splitTarget(target: string): { path: string; query: string } {
  let rest = target;
  if (!rest.startsWith('/')) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
    if (scheme !== null) rest = rest.slice(scheme[0].length) || '/';
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: '' } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/**
 * The canonical URI: empty and '.' segments dropped, '..' applied, then the
 * path as received (already percent-encoded by the client) encoded once more,
 * so `%3A` becomes `%253A`. The clients normalise the same way before signing.
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const lead = rawPath.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = `${lead}${segments.join('/')}${trail}`;
  return uriEncode(normalized === '' ? '/' : normalized, true);
}

/**
 * The canonical query: each name and value decoded then re-encoded with
 * SigV4's strict set, pairs sorted by encoded name then value. A name without
 * '=' has the empty value; empty pieces (`a=1&&b=2`) are skipped.
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    pairs.push([uriEncodeBytes(percentDecode(name), false), uriEncodeBytes(percentDecode(value), false)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** SigV4's Trimall: runs of spaces and tabs become one space, none at either end. */
function trimAll(value: string): string {
  return value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * One `name:value\n` line per signed header (the names already lower-case
 * and sorted), repeated headers joined with ','. Values stay in Node's latin1
 * decoding so hashing the request as latin1 gives back the bytes sent.
 */
export function canonicalHeaders(headers: HeaderIndex, signed: readonly string[]): string {
  let block = '';
  for (const name of signed) {
    const values = headers.get(name) ?? [];
    block += `${name}:${values.map(trimAll).join(',')}\n`;
  }
  return block;
}

/**
 * The whole canonical request. Header values stay latin1 strings (see
 * canonicalHeaders): hash it with Buffer.from(text, 'latin1').
 */
export function canonicalRequest(
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: HeaderIndex,
  signed: readonly string[],
  payloadHash: string,
): string {
  return (
    `${method}\n${canonicalUri(rawPath)}\n${canonicalQuery(rawQuery)}\n` +
    `${canonicalHeaders(headers, signed)}\n${signed.join(';')}\n${payloadHash}`
  );
}
