// Which Runtime API operation a request names (lambda-api.md §4). Only the
// 2018-06-01 runtime paths exist here: no extensions, logs or telemetry APIs,
// so a client probing for them gets a 404 as it would with extensions off.

export type RuntimeApiRoute =
  | { kind: 'next' }
  | { kind: 'response'; requestId: string }
  | { kind: 'error'; requestId: string }
  | { kind: 'init-error' }
  | { kind: 'wrong-method'; path: string; allow: 'GET' | 'POST' }
  | { kind: 'not-found'; path: string };

/** The routes that carry a body from the runtime. */
export type PostRoute = Extract<RuntimeApiRoute, { kind: 'response' | 'error' | 'init-error' }>;

const PREFIX = '/2018-06-01/runtime/';
const INVOCATION = 'invocation/';

export function matchRoute(method: string, url: string): RuntimeApiRoute {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.startsWith(PREFIX)) return { kind: 'not-found', path };
  const rest = path.slice(PREFIX.length);

  if (rest === 'invocation/next') return method === 'GET' ? { kind: 'next' } : { kind: 'wrong-method', path, allow: 'GET' };
  if (rest === 'init/error') return method === 'POST' ? { kind: 'init-error' } : { kind: 'wrong-method', path, allow: 'POST' };
  if (!rest.startsWith(INVOCATION)) return { kind: 'not-found', path };

  // invocation/{AwsRequestId}/response|error; the id may be percent-encoded
  // (the Node RIC encodeURIComponent()s it).
  const tail = rest.slice(INVOCATION.length);
  const slash = tail.lastIndexOf('/');
  if (slash === -1) return { kind: 'not-found', path };
  const encodedId = tail.slice(0, slash);
  const action = tail.slice(slash + 1);
  if ((action !== 'response' && action !== 'error') || encodedId.includes('/')) return { kind: 'not-found', path };
  if (method !== 'POST') return { kind: 'wrong-method', path, allow: 'POST' };
  return { kind: action, requestId: decodeId(encodedId) };
}

function decodeId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    // Malformed escapes: keep the text as sent; it matches no invocation and is refused as such.
    return encoded;
  }
}
