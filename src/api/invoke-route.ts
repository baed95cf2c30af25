// Recognise `/2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]`
// with plain string operations: this runs on every request, so no regex and
// no URL object unless a query string is present.
import { apiError, type ApiError } from './api-error';
import { FUNCTION_NAME_MAX, QUALIFIER_MAX } from './limits';

const PREFIX = '/2015-03-31/functions/';
const SUFFIX = '/invocations';

export interface InvokeRoute {
  /** Percent-decoded: a name, name:qualifier, partial or full ARN. */
  functionName: string;
  qualifier: string | undefined;
}

/** undefined: not the Invoke path at all (the caller answers 404). */
export function matchInvokePath(url: string): InvokeRoute | ApiError | undefined {
  // Absolute-form request targets (through a proxy) carry scheme and host.
  if (url.charCodeAt(0) !== 47 /* '/' */) {
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    url = slash < 0 ? '/' : url.slice(slash);
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) return undefined;
  const raw = path.slice(PREFIX.length, path.length - SUFFIX.length);
  if (raw.includes('/')) return undefined;

  let functionName = raw;
  if (raw.includes('%')) {
    try {
      functionName = decodeURIComponent(raw);
    } catch {
      return apiError(400, 'ValidationException', `FunctionName '${raw}' is not validly percent-encoded`);
    }
  }
  if (functionName.length === 0 || functionName.length > FUNCTION_NAME_MAX) {
    return apiError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: ` +
        `Member must have length between 1 and ${FUNCTION_NAME_MAX}`,
    );
  }

  let qualifier: string | undefined;
  if (q >= 0) {
    const value = new URLSearchParams(url.slice(q + 1)).get('Qualifier');
    if (value !== null) {
      if (value.length === 0 || value.length > QUALIFIER_MAX) {
        return apiError(
          400,
          'ValidationException',
          `1 validation error detected: Value '${value}' at 'qualifier' failed to satisfy constraint: ` +
            `Member must have length between 1 and ${QUALIFIER_MAX}`,
        );
      }
      qualifier = value;
    }
  }
  return { functionName, qualifier };
}
