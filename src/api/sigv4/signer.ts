// Signing for nanolambda's own clients (`nanolambda invoke`, the demo, the
// benchmarks): the headers to add to a request so the verifier accepts it,
// built the way the JS SDK signs (host, every header given, X-Amz-Date and
// X-Amz-Content-SHA256 signed).
import { formatAmzDate } from './amz-date';
import { canonicalRequest, indexHeaders, splitTarget } from './canonical-request';
import { ALGORITHM, credentialScope, deriveSigningKey, sha256Hex, signatureOf, stringToSign } from './signature';

export interface SignRequestInput {
  method: string;
  /** The request target exactly as it will be sent: percent-encoded path and query. */
  url: string;
  /** The Host header as it will be sent, with the port (`127.0.0.1:3001`). */
  host: string;
  /** Other headers to send and sign (X-Amz-Invocation-Type, Content-Length, ...). */
  headers?: Record<string, string | number>;
  body: Uint8Array;
  accessKeyId: string;
  secretAccessKey: string;
  /** Default us-east-1: the gateway accepts any region. */
  region?: string;
  /** Default `lambda`. */
  service?: string;
  /** Signing time in ms since the epoch; default now. */
  now?: number;
}

/**
 * The last signing key derived, with what it was derived from: a client signs
 * with one key, day and region again and again, and deriving costs four HMACs
 * (tens of microseconds) per request. One entry, so it never grows.
 */
let lastKey: { scope: string; secret: string; key: Buffer } | undefined;

function signingKeyFor(secret: string, day: string, region: string, service: string, scope: string): Buffer {
  if (lastKey !== undefined && lastKey.scope === scope && lastKey.secret === secret) return lastKey.key;
  const key = deriveSigningKey(secret, day, region, service);
  lastKey = { scope, secret, key };
  return key;
}

/** The headers to add: X-Amz-Date, X-Amz-Content-SHA256 and Authorization. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const region = input.region ?? 'us-east-1';
  const service = input.service ?? 'lambda';
  const amzDate = formatAmzDate(input.now ?? Date.now());
  const payloadHash = sha256Hex(input.body);
  const raw: string[] = ['host', input.host, 'x-amz-date', amzDate, 'x-amz-content-sha256', payloadHash];
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'x-amz-date' || lower === 'x-amz-content-sha256' || lower === 'authorization') continue;
    raw.push(lower, String(value));
  }
  const headers = indexHeaders(raw);
  const signed = [...headers.keys()].sort();
  const { path, query } = splitTarget(input.url);
  const scope = credentialScope(amzDate.slice(0, 8), region, service);
  const canonical = canonicalRequest(input.method, path, query, headers, signed, payloadHash);
  const key = signingKeyFor(input.secretAccessKey, amzDate.slice(0, 8), region, service, scope);
  const signature = signatureOf(key, stringToSign(amzDate, scope, canonical)).toString('hex');
  return {
    'X-Amz-Date': amzDate,
    'X-Amz-Content-SHA256': payloadHash,
    Authorization: `${ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}
