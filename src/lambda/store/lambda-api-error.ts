// The errors of Lambda's management API, as the SDKs parse them: the
// exception name (x-amzn-ErrorType), the HTTP status, and a message in AWS's
// own wording wherever AWS's wording is known (shared/spec/lambda-api.md §2),
// so scripts that match on it keep working against nanolambda.
//
// A LambdaApiError is a NanolambdaError (a user error with a stable code), but
// the HTTP layer answers with exceptionName and statusCode (toApiError()), not
// through apiErrorFromInvoke: that mapping knows no 409 or 412.
import type { ApiError } from '../../api/api-error';
import { NanolambdaError } from '../../errors';

export type LambdaExceptionName =
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'InvalidParameterValueException'
  | 'ValidationException'
  | 'PreconditionFailedException'
  | 'InvalidRequestContentException';

const STATUS: Record<LambdaExceptionName, number> = {
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  InvalidParameterValueException: 400,
  ValidationException: 400,
  PreconditionFailedException: 412,
  InvalidRequestContentException: 400,
};

const brand = Symbol.for('nanolambda.lambdaApiError');

export class LambdaApiError extends NanolambdaError {
  readonly exceptionName: LambdaExceptionName;
  readonly statusCode: number;
  readonly [brand] = true;

  constructor(exceptionName: LambdaExceptionName, message: string) {
    super(exceptionName === 'ResourceNotFoundException' ? 'FUNCTION_NOT_FOUND' : 'INVALID_PARAMETER', message);
    this.name = 'LambdaApiError';
    this.exceptionName = exceptionName;
    this.statusCode = STATUS[exceptionName];
  }

  /** The envelope fields for sendApiError (src/api/api-error.ts). */
  toApiError(): ApiError {
    return { status: this.statusCode, type: this.exceptionName, message: this.message };
  }

  static isLambdaApiError(value: unknown): value is LambdaApiError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

export function notFound(message: string): LambdaApiError {
  return new LambdaApiError('ResourceNotFoundException', message);
}

/** `Function not found: <arn>`: Lambda's 404 for a function, version or alias named in a function ARN. */
export function functionNotFound(arn: string): LambdaApiError {
  return notFound(`Function not found: ${arn}`);
}

export function conflict(message: string): LambdaApiError {
  return new LambdaApiError('ResourceConflictException', message);
}

export function invalidParameter(message: string): LambdaApiError {
  return new LambdaApiError('InvalidParameterValueException', message);
}

/** Lambda's 412 when a RevisionId is not the current one. */
export function revisionMismatch(): LambdaApiError {
  return new LambdaApiError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. ' +
      'Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}
