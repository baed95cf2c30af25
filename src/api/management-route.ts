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
//   POST   /2015-03-31/event-source-mappings                  CreateEventSourceMapping
//   GET    /2015-03-31/event-source-mappings                  ListEventSourceMappings
//   GET    /2015-03-31/event-source-mappings/{UUID}           GetEventSourceMapping
//   PUT    /2015-03-31/event-source-mappings/{UUID}           UpdateEventSourceMapping
//   DELETE /2015-03-31/event-source-mappings/{UUID}           DeleteEventSourceMapping
// (a trailing '/' after a collection is accepted: older botocore models write one)
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
  | 'DeleteAlias'
  | 'CreateEventSourceMapping'
  | 'ListEventSourceMappings'
  | 'GetEventSourceMapping'
  | 'UpdateEventSourceMapping'
  | 'DeleteEventSourceMapping';

export interface ManagementRoute {
  operation: ManagementOperation;
  /** Percent-decoded {FunctionName}: a name, name:qualifier, partial or full ARN. */
  functionName: string | undefined;
  /** Percent-decoded {Name} of an alias path. */
  aliasName: string | undefined;
  /** Percent-decoded {UUID} of an event source mapping path. */
  uuid: string | undefined;
  query: URLSearchParams;
}

const ROOT = '/2015-03-31/functions';
const MAPPINGS_ROOT = '/2015-03-31/event-source-mappings';

/** Which operation serves (method, path) under each path shape; the key is the shape. */
const OPERATIONS: Record<string, Partial<Record<string, ManagementOperation>>> = {
  functions: { POST: 'CreateFunction', GET: 'ListFunctions' },
  function: { GET: 'GetFunction', DELETE: 'DeleteFunction' },
  configuration: { GET: 'GetFunctionConfiguration', PUT: 'UpdateFunctionConfiguration' },
  code: { PUT: 'UpdateFunctionCode' },
  versions: { POST: 'PublishVersion', GET: 'ListVersionsByFunction' },
  aliases: { POST: 'CreateAlias', GET: 'ListAliases' },
  alias: { GET: 'GetAlias', PUT: 'UpdateAlias', DELETE: 'DeleteAlias' },
  mappings: { POST: 'CreateEventSourceMapping', GET: 'ListEventSourceMappings' },
  mapping: { GET: 'GetEventSourceMapping', PUT: 'UpdateEventSourceMapping', DELETE: 'DeleteEventSourceMapping' },
};

/**
 * undefined: not a management path (the caller answers 404). A known path
 * with a method it does not serve is a 405 naming the allowed ones.
 */
export function matchManagementPath(method: string, url: string): ManagementRoute | ApiError | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  if (path === MAPPINGS_ROOT || path.startsWith(`${MAPPINGS_ROOT}/`)) return matchMappingPath(method, path, query);
  if (path !== ROOT && path !== `${ROOT}/` && !path.startsWith(`${ROOT}/`)) return undefined;
  const segments = pathSegments(path, ROOT);
  if (segments === undefined) return undefined;

  let shape: string | undefined;
  if (segments.length === 0) shape = 'functions';
  else if (segments.length === 1) shape = 'function';
  else if (segments.length === 2 && ['configuration', 'code', 'versions', 'aliases'].includes(segments[1]!)) shape = segments[1];
  else if (segments.length === 3 && segments[1] === 'aliases') shape = 'alias';
  if (shape === undefined) return undefined;

  const operation = operationFor(shape, method, path);
  if (typeof operation === 'object') return operation;
  const functionName = segments[0] === undefined ? undefined : decode(segments[0], 'functionName');
  const aliasName = segments[2] === undefined ? undefined : decode(segments[2], 'name');
  if (typeof functionName === 'object') return functionName;
  if (typeof aliasName === 'object') return aliasName;
  return { operation, functionName, aliasName, uuid: undefined, query };
}

/** /2015-03-31/event-source-mappings[/] and /2015-03-31/event-source-mappings/{UUID}. */
function matchMappingPath(method: string, path: string, query: URLSearchParams): ManagementRoute | ApiError | undefined {
  const segments = pathSegments(path, MAPPINGS_ROOT);
  if (segments === undefined || segments.length > 1) return undefined;
  const operation = operationFor(segments.length === 0 ? 'mappings' : 'mapping', method, path);
  if (typeof operation === 'object') return operation;
  const uuid = segments[0] === undefined ? undefined : decode(segments[0], 'uUID');
  if (typeof uuid === 'object') return uuid;
  return { operation, functionName: undefined, aliasName: undefined, uuid, query };
}

/** The path's segments after `root`; undefined for a dot segment (a signature covers the normalised path, so "." and ".." would let one signed request name another operation). */
function pathSegments(path: string, root: string): string[] | undefined {
  const segments = path.slice(root.length).split('/').filter(Boolean);
  return segments.some((segment) => ['.', '..'].includes(segment.replace(/%2e/gi, '.'))) ? undefined : segments;
}

/** The operation serving `method` on a path shape, or a 405 naming the allowed methods. */
function operationFor(shape: string, method: string, path: string): ManagementOperation | ApiError {
  const operation = OPERATIONS[shape]![method];
  if (operation !== undefined) return operation;
  const allowed = Object.keys(OPERATIONS[shape]!).join(', ');
  const e = apiError(405, 'MethodNotAllowedException', `${method} is not allowed on ${path}: use ${allowed}`);
  e.headers = { Allow: allowed };
  return e;
}

function decode(raw: string, field: string): string | ApiError {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return apiError(400, 'ValidationException', `${field} '${raw}' is not validly percent-encoded`);
  }
}
