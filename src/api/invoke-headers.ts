// Turn Invoke's X-Amz-* request headers into InvokeOptions, with Lambda's
// validation. Only the client context is decoded (it is small and rare); the
// payload itself is never parsed.
import type { IncomingHttpHeaders } from 'node:http';
import type { InvocationType, InvokeOptions, LogType } from '../invoke-types';
import { apiError, type ApiError } from './api-error';
import { CLIENT_CONTEXT_LIMIT } from './limits';

// Compiled once at load: canonical base64 (padding only at the end).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function enumError(header: string, value: string, allowed: string): ApiError {
  return apiError(
    400,
    'InvalidParameterValueException',
    `${header}: '${value}' is not a valid value; use one of ${allowed}`,
  );
}

export function invokeOptionsFromHeaders(
  headers: IncomingHttpHeaders,
  qualifier: string | undefined,
): InvokeOptions | ApiError {
  const options: InvokeOptions = {};

  const type = one(headers['x-amz-invocation-type']);
  if (type === undefined || type === '' || type === 'RequestResponse') options.type = 'RequestResponse';
  else if (type === 'Event' || type === 'DryRun') options.type = type as InvocationType;
  else return enumError('X-Amz-Invocation-Type', type, 'RequestResponse, Event, DryRun');

  const logType = one(headers['x-amz-log-type']);
  if (logType !== undefined && logType !== '') {
    if (logType !== 'None' && logType !== 'Tail') return enumError('X-Amz-Log-Type', logType, 'None, Tail');
    options.logType = logType as LogType;
  }

  const clientContext = one(headers['x-amz-client-context']);
  if (clientContext !== undefined && clientContext !== '') {
    const problem = clientContextProblem(clientContext);
    if (problem !== undefined) {
      return apiError(400, 'InvalidRequestContentException', `X-Amz-Client-Context: ${problem}`);
    }
    options.clientContext = clientContext;
  }

  if (qualifier !== undefined) options.qualifier = qualifier;
  return options;
}

/** Why a client context is unacceptable, or undefined when it is fine. */
export function clientContextProblem(value: string): string | undefined {
  if (value.length > CLIENT_CONTEXT_LIMIT) {
    return `${value.length} bytes is over the limit of ${CLIENT_CONTEXT_LIMIT} bytes of base64`;
  }
  if (!BASE64.test(value)) return 'not valid base64; send base64 of a JSON object';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return 'the base64 does not decode to JSON; send base64 of a JSON object';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the decoded JSON is not an object; send base64 of a JSON object such as {"custom":{}}';
  }
  return undefined;
}
