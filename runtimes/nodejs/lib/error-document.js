// The error document Lambda's Node.js runtime reports for a failed invocation
// (X-Amz-Function-Error: Unhandled): {errorType, errorMessage, trace}, from an
// Error or from whatever else was thrown, rejected or passed to the callback.
'use strict';

const { isNativeError } = require('node:util').types;

/** Lambda's shape for an Error: its name, message and stack lines; for other values: their type and text. */
function errorDocument(error) {
  try {
    // isNativeError also knows Errors made in another realm (a vm context).
    if (error instanceof Error || isNativeError(error)) {
      return {
        errorType: String(error.name),
        errorMessage: String(error.message),
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    // A hostile error (a throwing getter or toString) still fails the invocation.
    return { errorType: 'Runtime.InvalidError', errorMessage: 'the handler failed with a value whose name, message or text could not be read', trace: [] };
  }
}

/** An Error of Lambda type `errorType` (e.g. Runtime.UnmarshalError), for failures the runtime itself finds. */
function runtimeError(errorType, message) {
  const error = new Error(message);
  error.name = errorType;
  return error;
}

/** A promise rejected with nobody to handle it, as the Error Lambda reports (Runtime.UnhandledPromiseRejection). */
function unhandledRejection(reason) {
  const described = errorDocument(reason);
  const error = runtimeError('Runtime.UnhandledPromiseRejection', `${described.errorType}: ${described.errorMessage}`);
  if (described.trace.length > 0) error.stack = [`${error.name}: ${error.message}`, ...described.trace.slice(1)].join('\n');
  return error;
}

module.exports = { errorDocument, runtimeError, unhandledRejection };
