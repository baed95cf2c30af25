// The Authorization header of SigV4:
//   AWS4-HMAC-SHA256 Credential=<key>/<YYYYMMDD>/<region>/<service>/aws4_request,
//     SignedHeaders=host;x-amz-date, Signature=<64 hex>
// Parameters are separated by ',' with optional spaces, as the clients write them.
import { ALGORITHM } from './signature';

export interface AuthorizationParams {
  credential: string;
  signedHeaders: string;
  signature: string;
}

export type ParsedAuthorization =
  | { kind: 'ok'; params: AuthorizationParams }
  /** Not SigV4 at all (another scheme) or another AWS4 algorithm. */
  | { kind: 'scheme'; scheme: string }
  /** A piece without '=' or a parameter twice: the message says which. */
  | { kind: 'malformed'; message: string }
  /** Some of Credential, SignedHeaders, Signature absent. */
  | { kind: 'incomplete'; missing: string[] };

const NAMES = ['Credential', 'Signature', 'SignedHeaders'] as const;

export function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  if (scheme !== ALGORITHM) return { kind: 'scheme', scheme };
  const found = new Map<string, string>();
  for (const raw of value.slice(space + 1).split(',')) {
    const piece = raw.trim();
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) {
      return { kind: 'malformed', message: `'${piece}' not a valid key=value pair (missing equal-sign) in Authorization header: '${value}'.` };
    }
    const name = piece.slice(0, eq).trim();
    if (found.has(name)) return { kind: 'malformed', message: `Authorization header has '${name}' twice: '${value}'.` };
    found.set(name, piece.slice(eq + 1).trim());
  }
  const missing = NAMES.filter((name) => !found.get(name));
  if (missing.length > 0) return { kind: 'incomplete', missing };
  return {
    kind: 'ok',
    params: { credential: found.get('Credential')!, signedHeaders: found.get('SignedHeaders')!, signature: found.get('Signature')! },
  };
}
