// The 403s of SigV4 verification, with the exception names and texts AWS
// uses (so scripts and SDKs that look at them behave as against Lambda).
// Where AWS's text gives no way out, a hint follows in parentheses.
import { apiError, type ApiError } from '../api-error';
import { formatAmzDate } from './amz-date';

const HINT_KEYS = '`nanolambda credentials <group.json>` prints the access key of this gateway';

export function missingAuthenticationToken(presigned: boolean): ApiError {
  const hint = presigned
    ? 'nanolambda does not accept presigned URLs (X-Amz-Signature in the query): sign the Authorization header'
    : `sign requests with AWS Signature Version 4; ${HINT_KEYS}`;
  return apiError(403, 'MissingAuthenticationTokenException', `Missing Authentication Token (${hint})`);
}

export function unrecognizedClient(accessKeyId: string): ApiError {
  return apiError(
    403,
    'UnrecognizedClientException',
    `The security token included in the request is invalid. (access key '${accessKeyId}' is not one of this gateway's; ${HINT_KEYS})`,
  );
}

export function sessionTokenRefused(): ApiError {
  return apiError(
    403,
    'UnrecognizedClientException',
    'The security token included in the request is invalid. (nanolambda issues no session tokens: ' +
      'unset AWS_SESSION_TOKEN and use the access key and secret of this gateway)',
  );
}

export function signatureMismatch(accessKeyId: string): ApiError {
  return apiError(
    403,
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
      `and signing method. Consult the service documentation for details. (access key '${accessKeyId}'; ${HINT_KEYS} and its secret)`,
  );
}

/** Outside the window either way; AWS's two texts, e.g. `(20150806T132034Z - 5 min.)`. */
export function signatureOutOfWindow(signedAt: string, signedAtMs: number, now: number, windowMs: number): ApiError {
  const minutes = `${Math.round(windowMs / 60_000)} min.`;
  const message =
    signedAtMs < now
      ? `Signature expired: ${signedAt} is now earlier than ${formatAmzDate(now - windowMs)} (${formatAmzDate(now)} - ${minutes})`
      : `Signature not yet current: ${signedAt} is still later than ${formatAmzDate(now + windowMs)} (${formatAmzDate(now)} + ${minutes})`;
  return apiError(403, 'InvalidSignatureException', message);
}

/** The signature is wrong in a way AWS also calls invalid (scope, payload hash). */
export function invalidSignature(message: string): ApiError {
  return apiError(403, 'InvalidSignatureException', message);
}

/** The Authorization header or the signed headers are malformed or incomplete. */
export function incompleteSignature(message: string): ApiError {
  return apiError(403, 'IncompleteSignatureException', message);
}
