// The request bodies of CreateEventSourceMapping and UpdateEventSourceMapping
// (botocore's model), checked the way Lambda checks them: missing or
// mistyped members are a ValidationException naming every one; a member
// nanolambda cannot honour is an InvalidParameterValueException that says so
// rather than being silently ignored.
import { NanolambdaError } from '../errors';
import { invalidParameter } from '../lambda/store/lambda-api-error';
import { Violations } from '../lambda/store/violations';
import { parseFunctionName } from '../registry/arn';
import { parseEventSourceArn, type EventSource } from './source-arn';

export interface CreateMappingRequest {
  functionName: string;
  eventSourceArn: string;
  source: EventSource;
  enabled: boolean;
}

export interface UpdateMappingRequest {
  functionName: string | undefined;
  enabled: boolean | undefined;
}

const CREATE_MEMBERS = ['FunctionName', 'EventSourceArn', 'Enabled', 'BatchSize'];
const UPDATE_MEMBERS = ['FunctionName', 'Enabled', 'BatchSize'];

export function parseCreateRequest(body: Record<string, unknown>): CreateMappingRequest {
  const violations = new Violations();
  if (typeof body.FunctionName !== 'string') violations.add(body.FunctionName, 'functionName', 'Member must not be null');
  if (typeof body.EventSourceArn !== 'string') {
    violations.add(body.EventSourceArn, 'eventSourceArn', 'Member must not be null (nanolambda needs it to know the source)');
  }
  checkTypes(body, violations);
  violations.throwIfAny();
  refuseUnsupported(body, CREATE_MEMBERS);
  const functionName = checkedFunctionName(body.FunctionName as string);
  const eventSourceArn = body.EventSourceArn as string;
  let source: EventSource;
  try {
    source = parseEventSourceArn(eventSourceArn);
  } catch (error) {
    throw asInvalidParameter(error);
  }
  return { functionName, eventSourceArn, source, enabled: body.Enabled === undefined ? true : (body.Enabled as boolean) };
}

export function parseUpdateRequest(body: Record<string, unknown>): UpdateMappingRequest {
  const violations = new Violations();
  if (body.FunctionName !== undefined && typeof body.FunctionName !== 'string') {
    violations.add(body.FunctionName, 'functionName', 'Member must be a string');
  }
  checkTypes(body, violations);
  violations.throwIfAny();
  refuseUnsupported(body, UPDATE_MEMBERS);
  return {
    functionName: body.FunctionName === undefined ? undefined : checkedFunctionName(body.FunctionName as string),
    enabled: body.Enabled as boolean | undefined,
  };
}

function checkTypes(body: Record<string, unknown>, violations: Violations): void {
  if (body.Enabled !== undefined && typeof body.Enabled !== 'boolean') violations.add(body.Enabled, 'enabled', 'Member must be a boolean');
  if (body.BatchSize !== undefined && body.BatchSize !== 1) {
    violations.add(body.BatchSize, 'batchSize', 'Member must be 1: nanolambda sends each event in its own invocation');
  }
}

/** Members of the model nanolambda has no use for: refused by name. */
function refuseUnsupported(body: Record<string, unknown>, supported: readonly string[]): void {
  const unsupported = Object.keys(body).filter((key) => !supported.includes(key) && body[key] !== undefined);
  if (unsupported.length > 0) {
    throw invalidParameter(
      `${unsupported.join(', ')} ${unsupported.length > 1 ? 'are' : 'is'} not supported by nanolambda's event sources ` +
        `(schedules and local buckets): leave ${unsupported.length > 1 ? 'them' : 'it'} out; supported: ${supported.join(', ')}`,
    );
  }
}

function checkedFunctionName(name: string): string {
  try {
    parseFunctionName(name);
  } catch (error) {
    throw asInvalidParameter(error);
  }
  return name;
}

function asInvalidParameter(error: unknown): unknown {
  return NanolambdaError.is(error) && error.code === 'INVALID_PARAMETER' ? invalidParameter(error.message) : error;
}
