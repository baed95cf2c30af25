// A handler that could not be loaded, reported as Lambda reports it: the
// document {errorType, errorMessage, trace} goes to the IPC server (PUT
// .../initialized, Success false), which fails the invocation waiting for
// this worker with it, and the reason goes to stderr (the function's log).
'use strict';

const { errorDocument } = require('./error-document');
const { StartupError } = require('./startup-error');

/** A server that takes the report but never answers must not keep a failed worker alive long. */
const INIT_REPORT_TIMEOUT_MS = 5000;

/**
 * What the log shows: Lambda's type and message, then where it happened in
 * the user's code (the stack of what the module threw, or of the syntax error
 * or failed require behind a StartupError: it names the file and line).
 */
function initFailureText(error) {
  const document = errorDocument(error);
  const lines = [`${document.errorType}: ${document.errorMessage}`];
  if (!(error instanceof StartupError)) lines.push(...document.trace.slice(1));
  else if (error.cause !== undefined) lines.push(...errorDocument(error.cause).trace);
  return lines.join('\n');
}

/** Sends the report; resolves either way (the exit that follows is reported by the host anyway). */
function reportInitFailure(client, functionArn, error) {
  const document = JSON.stringify(errorDocument(error));
  return new Promise((resolve) => {
    client.putInitialized(functionArn, false, document, (failure) => {
      if (failure) process.stderr.write(`nanolambda nodejs runtime: the report of the failed initialization was not taken: ${failure.message}\n`);
      resolve();
    }, INIT_REPORT_TIMEOUT_MS);
  });
}

module.exports = { initFailureText, reportInitFailure };
