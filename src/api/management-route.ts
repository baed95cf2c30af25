// Recognise the Lambda management operations (REST paths of API version
// 2015-03-31, as botocore's model defines them) other than Invoke, which
// invoke-route.ts matches on its own fast path:
//
//   POST   /2015-03-31/functions                              CreateFunction
//   GET    /2015-03-31/functions                              ListFunctions
//   GET    /2015-03-31/functions/{name}                       GetFunction
//   DELETE /2015-03-31/functions/{name}                       DeleteFunction
//   GET    /2015-03-31/functions/{name}/configuration         GetFunctionConfiguration
//   PUT    /2015-03-31/functions/{name}/configuration         UpdateFunctionConfiguration
//   PUT    /2015-03-31/functions/{name}/code                  UpdateFunctionCode
//   POST   /2015-03-31/functions/{name}/versions              PublishVersion
//   GET    /2015-03-31/functions/{name}/versions              ListVersionsByFunction
//   POST   /2015-03-31/functions/{name}/aliases               CreateAlias
//   GET    /2015-03-31/functions/{name}/aliases               ListAliases
//   GET    /2015-03-31/functions/{name}/aliases/{alias}       GetAlias
//   PUT    /2015-03-31/functions/{name}/aliases/{alias}       UpdateAlias
//   DELETE /2015-03-31/functions/{name}/aliases/{alias}       DeleteAlias
import { apiError, type ApiError } from './api-error';

export type ManagementOperation =
  | 'CreateFunction'
  | 'ListFunctions'
  | 'GetFunction'
  | 'DeleteFunction'
  | 'GetFunctionConfiguration'
  | 'UpdateFunctionConfiguration'
  | 'UpdateFunctionCode'
  | 'PublishVersion'
  | 'ListVersionsByFunction'
  | 'CreateAlias'
  | 'ListAliases'
  | 'GetAlias'
  | 'UpdateAlias'
  | 'DeleteAlias';

export interface ManagementRoute {
  operation: ManagementOperation;
  /** Percent-decoded {FunctionName}: a name, name:qualifier, partial or full ARN. */
  functionName: string | undefined;
  /** Percent-decoded {Name} of an alias path. */
  aliasName: string | undefined;
  query: URLSearchParams;
}

const ROOT = '/2015-03-31/functions';

/** Which operation serves (method, path) under each path shape; the key is the shape. */
const OPERATIONS: Record<string, Partial<Record<string, ManagementOperation>>> = {
  functions: { POST: 'CreateFunction', GET: 'ListFunctions' },
  function: { GET: 'GetFunction', DELETE: 'DeleteFunction' },
  configuration: { GET: 'GetFunctionConfiguration', PUT: 'UpdateFunctionConfiguration' },
  code: { PUT: 'UpdateFunctionCode' },
  versions: { POST: 'PublishVersion', GET: 'ListVersionsByFunction' },
  aliases: { POST: 'CreateAlias', GET: 'ListAliases' },
  alias: { GET: 'GetAlias', PUT: 'UpdateAlias', DELETE: 'DeleteAlias' },
};

/**
 * undefined: not a management path (the caller answers 404). A known path
 * with a method it does not serve is a 405 naming the allowed ones.
 */
export function matchManagementPath(method: string, url: string): ManagementRoute | ApiError | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  if (path !== ROOT && path !== `${ROOT}/` && !path.startsWith(`${ROOT}/`)) return undefined;
  const segments = path.slice(ROOT.length).split('/').filter(Boolean);
  // A signature covers the normalised path: "." and ".." would let one
  // signed request name another operation.
  if (segments.some((segment) => ['.', '..'].includes(segment.replace(/%2e/gi, '.')))) return undefined;

  let shape: string | undefined;
  if (segments.length === 0) shape = 'functions';
  else if (segments.length === 1) shape = 'function';
  else if (segments.length === 2 && ['configuration', 'code', 'versions', 'aliases'].includes(segments[1]!)) shape = segments[1];
  else if (segments.length === 3 && segments[1] === 'aliases') shape = 'alias';
  if (shape === undefined) return undefined;

  const operation = OPERATIONS[shape]![method];
  if (operation === undefined) {
    const allowed = Object.keys(OPERATIONS[shape]!).join(', ');
    const e = apiError(405, 'MethodNotAllowedException', `${method} is not allowed on ${path}: use ${allowed}`);
    e.headers = { Allow: allowed };
    return e;
  }
  const functionName = segments[0] === undefined ? undefined : decode(segments[0], 'functionName');
  const aliasName = segments[2] === undefined ? undefined : decode(segments[2], 'name');
  if (typeof functionName === 'object') return functionName;
  if (typeof aliasName === 'object') return aliasName;
  return { operation, functionName, aliasName, query };
}

function decode(raw: string, field: string): string | ApiError {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return apiError(400, 'ValidationException', `${field} '${raw}' is not validly percent-encoded`);
  }
}
