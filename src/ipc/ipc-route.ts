// Which IPC operation a request names (greengrass-v1.md §2.2). A function
// ARN goes into the path raw (colons not escaped); a percent-encoded one is
// decoded too, since an ARN holds no '/' and no '%' of its own.
import { badRequest, IpcError } from './ipc-error';

export const API_PREFIX = '/2016-11-01';

export type IpcOperation =
  /** POST /functions/<target>: invoke, publish, shadow, secrets. */
  | 'postWork'
  /** GET /functions/<target>: the result of an earlier postWork. */
  | 'getResult'
  /** GET /functions/<own>/work: the caller's next invocation (long poll). */
  | 'getWork'
  /** POST /functions/<own>/work: the caller's answer to an invocation. */
  | 'postResult'
  /** PUT /functions/<own>/initialized: the caller finished initialising. */
  | 'initialized'
  /** POST /cloudwatch/logs/: lines for the caller's log. */
  | 'logs';

export interface IpcRoute {
  operation: IpcOperation;
  /** The function ARN of the path ('' for logs). */
  arn: string;
}

/** Longer than any ARN with a qualifier (Lambda: 256 + ':' + 128): a longer path segment is not one. */
export const MAX_ARN_LENGTH = 512;

const FUNCTIONS = `${API_PREFIX}/functions/`;
const LOGS = [`${API_PREFIX}/cloudwatch/logs/`, `${API_PREFIX}/cloudwatch/logs`];

/** The methods each kind of path takes, for 405 answers. */
const METHODS: Record<'function' | 'work' | 'initialized' | 'logs', Partial<Record<string, IpcOperation>>> = {
  function: { POST: 'postWork', GET: 'getResult' },
  work: { GET: 'getWork', POST: 'postResult' },
  initialized: { PUT: 'initialized' },
  logs: { POST: 'logs' },
};

/** The operation of `method` on `url`; throws an IpcError (400, 404, 405) for anything else. */
export function matchRoute(method: string, url: string): IpcRoute {
  const path = url.split('?', 1)[0]!;
  if (LOGS.includes(path)) return { operation: pick('logs', method, path), arn: '' };
  if (!path.startsWith(FUNCTIONS)) throw unknownPath(method, path);
  const rest = path.slice(FUNCTIONS.length);
  const slash = rest.indexOf('/');
  const kind = slash < 0 ? 'function' : rest.slice(slash + 1);
  if (kind !== 'function' && kind !== 'work' && kind !== 'initialized') throw unknownPath(method, path);
  const arn = decodeArn(slash < 0 ? rest : rest.slice(0, slash));
  return { operation: pick(kind, method, path), arn };
}

function pick(kind: keyof typeof METHODS, method: string, path: string): IpcOperation {
  const operation = METHODS[kind][method];
  if (operation !== undefined) return operation;
  const allowed = Object.keys(METHODS[kind]);
  const error = new IpcError(405, 'MethodNotAllowed', `${method} is not allowed on ${shown(path)}: use ${allowed.join(' or ')}`);
  error.headers = { Allow: allowed.join(', ') };
  throw error;
}

function decodeArn(segment: string): string {
  if (segment.length === 0) throw badRequest('the path names no function ARN: expected /2016-11-01/functions/<function ARN>');
  if (segment.length > MAX_ARN_LENGTH) throw badRequest(`the function ARN in the path is ${segment.length} characters, more than ${MAX_ARN_LENGTH}`);
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the function ARN ${shown(segment)} in the path is not valid percent-encoding`);
  }
}

function unknownPath(method: string, path: string): IpcError {
  return new IpcError(
    404,
    'UnknownOperation',
    `no IPC operation for ${method} ${shown(path)}: nanolambda serves ${FUNCTIONS}<ARN> (POST invoke, GET result), ` +
      `${FUNCTIONS}<own ARN>/work (GET, POST), ${FUNCTIONS}<own ARN>/initialized (PUT) and ${LOGS[0]} (POST)`,
  );
}

/** A path from the request, cut short so a hostile one cannot bloat the answer. */
function shown(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
