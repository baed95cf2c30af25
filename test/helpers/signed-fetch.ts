// fetch() signed with a runtime's own access keys (SigV4), as the AWS CLI
// signs: the endpoint refuses unsigned requests.
import { signRequest } from '../../src/api/sigv4/signer';
import { loadCredentials } from '../../src/system/credentials';

/** POST `body` to `url` signed with the keys in `stateDir`. */
export function signedPost(url: string, stateDir: string, body: string | Buffer): Promise<Response> {
  const target = new URL(url);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers = signedHeaders(stateDir, { path: target.pathname + target.search, host: target.host, body: bytes });
  return fetch(url, { method: 'POST', body: bytes, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])) });
}

/** `headers` plus the SigV4 ones for a POST of `body` to `path` on `host` (host:port). */
export function signedHeaders(
  stateDir: string,
  request: { path: string; host: string; body: Uint8Array; headers?: Record<string, string | number> },
): Record<string, string | number> {
  const key = loadCredentials(stateDir)?.keys[0];
  if (key === undefined) throw new Error(`no access keys in ${stateDir}: did the runtime start its endpoint?`);
  const headers = { ...request.headers };
  return { ...headers, ...signRequest({ method: 'POST', url: request.path, host: request.host, headers, body: request.body, ...key }) };
}
