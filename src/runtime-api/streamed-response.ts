// A response posted with `Lambda-Runtime-Function-Response-Mode: streaming`
// (the Node RIC does this for awslambda.streamifyResponse handlers): a
// chunked body whose trailers say whether the handler failed midway. The
// error body trailer is base64 of the error JSON. Invokers here get whole
// payloads, so the stream is judged once it has ended.
import type { Outcome } from '../workers/invocation';
import { describedError, reportedErrorType } from './error-document';

const ERROR_TYPE_TRAILER = 'lambda-runtime-function-error-type';
const ERROR_BODY_TRAILER = 'lambda-runtime-function-error-body';

export function streamedResponseOutcome(body: Buffer, trailers: NodeJS.Dict<string>): Outcome {
  const errorType = trailers[ERROR_TYPE_TRAILER];
  if (errorType === undefined || errorType === '') return { kind: 'success', payload: body };
  const errorBody = Buffer.from(trailers[ERROR_BODY_TRAILER] ?? '', 'base64');
  return {
    kind: 'unhandled',
    payload: errorBody.length > 0 ? errorBody : describedError(reportedErrorType(errorType), 'the function failed while streaming its response'),
  };
}
