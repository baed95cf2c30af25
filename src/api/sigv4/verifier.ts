// AWS Signature Version 4 verification for the local Lambda API: a request
// signed by the AWS CLI or an AWS SDK with one of the gateway's access keys is
// accepted; anything else gets the 403 Lambda would send.
//
// Two steps so a server can refuse before reading a body: checkHeaders()
// needs only the request line and headers (scheme, scope, key, clock window,
// which headers are signed); verifyBody() then hashes the body and compares
// signatures in constant time. verify() does both.
//
// Accepted: the Authorization header form only (no presigned URLs), any
// region, the service name given (default `lambda`), a payload hash that is
// the SHA-256 of the body (UNSIGNED-PAYLOAD and STREAMING-* are refused: the
// body is the invocation and must be covered). Every x-amz-* header the
// request carries must be signed: X-Amz-Invocation-Type or X-Amz-Client-Context
// could otherwise be changed on a captured request.
import { timingSafeEqual } from 'node:crypto';
import type { ApiError } from '../api-error';
import { formatAmzDate, parseAmzDate } from './amz-date';
import {
  incompleteSignature,
  invalidSignature,
  missingAuthenticationToken,
  sessionTokenRefused,
  signatureMismatch,
  signatureOutOfWindow,
  unrecognizedClient,
} from './auth-errors';
import { parseAuthorization } from './authorization-header';
import { canonicalRequest, indexHeaders, splitTarget, type HeaderIndex } from './canonical-request';
import { ALGORITHM, credentialScope, deriveSigningKey, sha256Hex, signatureOf, stringToSign } from './signature';

/** What is read from a request: Node's IncomingMessage fits as is. */
export interface SigV4Request {
  method?: string | undefined;
  /** The request target as received (percent-encoded path and query). */
  url?: string | undefined;
  /** [name, value, name, value, ...]: original names and repeated headers. */
  rawHeaders: readonly string[];
}

export interface SigV4VerifierOptions {
  /** The secret access key of an access key id; undefined for a key the gateway does not have. */
  secretOf: (accessKeyId: string) => string | undefined;
  /** The signing name expected in the credential scope. Default `lambda`. */
  service?: string;
  /** How far X-Amz-Date may be from the server's clock, either way. Default 5 minutes, as AWS. */
  maxSkewMs?: number;
  /** The clock, in ms since the epoch. Default Date.now. */
  now?: () => number;
}

/** Why a request is refused: an error envelope ready for sendApiError (status 403). */
export interface SigV4Failure {
  ok: false;
  error: ApiError;
  /** On a signature mismatch: what the server signed, for logs (it holds no secret). */
  debug?: { canonicalRequest: string; stringToSign: string };
}

export type SigV4Result = { ok: true; accessKeyId: string } | SigV4Failure;

/** The headers are in order; the body decides. */
export interface SigV4HeadersOk {
  ok: true;
  accessKeyId: string;
  verifyBody(body: Uint8Array): SigV4Result;
}

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;
const SIGNATURE = /^[0-9a-f]{64}$/;
const PAYLOAD_HASH = /^[0-9a-fA-F]{64}$/;
const SIGNED_HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Signing keys are per secret, day and region: a gateway sees few of them. */
const SIGNING_KEY_CACHE_SIZE = 64;

export class SigV4Verifier {
  private readonly secretOf: (accessKeyId: string) => string | undefined;
  private readonly service: string;
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly signingKeys = new Map<string, Buffer>();

  constructor(options: SigV4VerifierOptions) {
    this.secretOf = options.secretOf;
    this.service = options.service ?? 'lambda';
    this.maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Both steps, for a body already read. */
  verify(request: SigV4Request, body: Uint8Array): SigV4Result {
    const checked = this.checkHeaders(request);
    return checked.ok ? checked.verifyBody(body) : checked;
  }

  checkHeaders(request: SigV4Request): SigV4HeadersOk | SigV4Failure {
    const headers = indexHeaders(request.rawHeaders);
    const { path, query } = splitTarget(request.url ?? '/');

    const authorization = headers.get('authorization');
    if (authorization === undefined) {
      return fail(missingAuthenticationToken(/(^|&)X-Amz-(Signature|Credential)=/i.test(query)));
    }
    if (authorization.length > 1) return fail(incompleteSignature(`The request has ${authorization.length} Authorization headers: send one.`));
    const auth = parseAuthorization(authorization[0]!);

    const dated = signingTime(headers);
    if (auth.kind === 'scheme') {
      return fail(
        incompleteSignature(
          `Unsupported Authorization '${auth.scheme}': nanolambda accepts AWS Signature Version 4 only ` +
            `(Authorization: ${ALGORITHM} Credential=<key>/<date>/<region>/${this.service}/aws4_request, SignedHeaders=..., Signature=...).`,
        ),
      );
    }
    if (auth.kind === 'malformed') return fail(incompleteSignature(auth.message));
    if (auth.kind === 'incomplete' || dated.kind === 'absent') {
      // AWS lists every missing piece in one message, then the header.
      const missing = auth.kind === 'incomplete' ? auth.missing.map((name) => `Authorization header requires '${name}' parameter. `) : [];
      if (dated.kind === 'absent') missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
      return fail(incompleteSignature(`${missing.join('')}Authorization=${authorization[0]}`));
    }
    if (dated.kind === 'invalid') return fail(incompleteSignature(dated.message));
    const { credential, signedHeaders, signature } = auth.params;

    // Credential=<key>/<YYYYMMDD>/<region>/<service>/aws4_request
    const parts = credential.split('/');
    if (parts.length !== 5 || parts.some((part) => part === '')) {
      return fail(
        incompleteSignature(
          `Credential '${credential}' is malformed: expected <AccessKeyId>/<YYYYMMDD>/<region>/${this.service}/aws4_request.`,
        ),
      );
    }
    const [accessKeyId, day, region, service, terminator] = parts as [string, string, string, string, string];
    if (terminator !== 'aws4_request') {
      return fail(invalidSignature(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `));
    }
    if (service !== this.service) return fail(invalidSignature(`Credential should be scoped to correct service: '${this.service}'. `));
    if (!/^[a-z0-9-]+$/.test(region)) return fail(invalidSignature('Credential should be scoped to a valid region. '));
    if (day !== dated.amzDate.slice(0, 8)) {
      return fail(
        invalidSignature(
          `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != ` +
            `'${dated.amzDate.slice(0, 8)}', from '${dated.amzDate}'.`,
        ),
      );
    }

    const signed = signedHeaders.split(';');
    const listProblem = checkSignedHeaderList(signed, headers, dated.header);
    if (listProblem !== undefined) return fail(incompleteSignature(listProblem));

    const secret = this.secretOf(accessKeyId);
    if (secret === undefined) return fail(unrecognizedClient(accessKeyId));
    if (headers.has('x-amz-security-token')) return fail(sessionTokenRefused());

    const now = this.now();
    if (Math.abs(now - dated.ms) > this.maxSkewMs) return fail(signatureOutOfWindow(dated.amzDate, dated.ms, now, this.maxSkewMs));

    const declared = headers.get('x-amz-content-sha256');
    if (declared !== undefined && declared.length > 1) return fail(incompleteSignature('The request has more than one x-amz-content-sha256 header: send one.'));
    const declaredHash = declared?.[0];
    if (declaredHash !== undefined && !PAYLOAD_HASH.test(declaredHash)) {
      return fail(
        incompleteSignature(
          `x-amz-content-sha256 '${declaredHash}' is not accepted: nanolambda needs the SHA-256 of the body in hex ` +
            '(UNSIGNED-PAYLOAD and STREAMING-* leave the invocation payload unsigned).',
        ),
      );
    }

    const scope = credentialScope(day, region, service);
    const signingKey = this.signingKey(secret, day, region, service);
    const method = request.method ?? 'GET';

    return {
      ok: true,
      accessKeyId,
      verifyBody: (body: Uint8Array): SigV4Result => {
        const bodyHash = sha256Hex(body);
        if (declaredHash !== undefined && declaredHash.toLowerCase() !== bodyHash) {
          return fail(invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed."));
        }
        // The clients sign the header's text when they send one.
        const canonical = canonicalRequest(method, path, query, headers, signed, declaredHash ?? bodyHash);
        const toSign = stringToSign(dated.amzDate, scope, canonical);
        const expected = signatureOf(signingKey, toSign);
        if (SIGNATURE.test(signature) && timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: true, accessKeyId };
        return {
          ok: false,
          error: signatureMismatch(accessKeyId),
          debug: { canonicalRequest: Buffer.from(canonical, 'latin1').toString('utf8'), stringToSign: toSign },
        };
      },
    };
  }

  private signingKey(secret: string, day: string, region: string, service: string): Buffer {
    const cacheKey = `${secret}\n${day}\n${region}\n${service}`;
    let key = this.signingKeys.get(cacheKey);
    if (key === undefined) {
      key = deriveSigningKey(secret, day, region, service);
      if (this.signingKeys.size >= SIGNING_KEY_CACHE_SIZE) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }
}

function fail(error: ApiError): SigV4Failure {
  return { ok: false, error };
}

type SigningTime =
  | { kind: 'ok'; ms: number; amzDate: string; header: 'x-amz-date' | 'date' }
  | { kind: 'absent' }
  | { kind: 'invalid'; message: string };

/** X-Amz-Date, else the Date header (RFC 7231), as the spec allows. */
function signingTime(headers: HeaderIndex): SigningTime {
  const amz = headers.get('x-amz-date');
  if (amz !== undefined) {
    if (amz.length > 1) return { kind: 'invalid', message: 'The request has more than one X-Amz-Date header: send one.' };
    const ms = parseAmzDate(amz[0]!);
    if (ms === undefined) {
      return { kind: 'invalid', message: `X-Amz-Date must be in ISO-8601 'basic format' (YYYYMMDD'T'HHMMSS'Z'). Got '${amz[0]}'.` };
    }
    return { kind: 'ok', ms, amzDate: amz[0]!, header: 'x-amz-date' };
  }
  const date = headers.get('date');
  if (date === undefined) return { kind: 'absent' };
  const ms = date.length === 1 ? Date.parse(date[0]!) : NaN;
  if (Number.isNaN(ms)) return { kind: 'invalid', message: `Date header '${date.join(', ')}' is not an HTTP date: sign with X-Amz-Date.` };
  return { kind: 'ok', ms, amzDate: formatAmzDate(ms), header: 'date' };
}

/** The SignedHeaders list: lower-case, sorted, present, covering host, the date and every x-amz-* header. */
function checkSignedHeaderList(signed: readonly string[], headers: HeaderIndex, dateHeader: string): string | undefined {
  for (let i = 0; i < signed.length; i++) {
    const name = signed[i]!;
    if (!SIGNED_HEADER_NAME.test(name)) return `SignedHeaders has '${name}': header names must be lower-case, separated by ';'.`;
    if (i > 0 && signed[i - 1]! >= name) return `SignedHeaders must be sorted and without repeats: '${signed.join(';')}'.`;
    if (!headers.has(name)) return `'${name}' is named as a SignedHeader, but it does not exist in the HTTP request.`;
  }
  if (!signed.includes('host')) return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
  if (!signed.includes(dateHeader)) return `'${dateHeader}' must be a 'SignedHeader' in the AWS Authorization.`;
  const unsigned = [...headers.keys()].filter((name) => name.startsWith('x-amz-') && !signed.includes(name));
  if (unsigned.length > 0) return `There were headers present in the request which were not signed: ${unsigned.join(', ')}.`;
  return undefined;
}
