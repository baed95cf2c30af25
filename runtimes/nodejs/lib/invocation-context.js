// The context object a handler gets, as Lambda's Node.js runtime shapes it
// (lambda-api.md §6) plus what Greengrass functions read (greengrass-v1.md §3):
// clientContext is always an object {client, Custom, env}, Custom with the
// capital C that Greengrass uses and `custom` as the same object.
'use strict';

const crypto = require('node:crypto');
const { runtimeError } = require('./error-document');

/**
 * What stays the same for every invocation of this process: names from the
 * Lambda environment the host sets, else from the function's ARN.
 */
function describeFunction(settings, env) {
  const { arnFields } = settings;
  const version = env.AWS_LAMBDA_FUNCTION_VERSION || arnFields.qualifier || '$LATEST';
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || arnFields.name,
    functionVersion: version,
    invokedFunctionArn: settings.functionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || undefined,
    // Greengrass's group for a function's logs (greengrass-v1.md §2.7).
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME || `/aws/greengrass/Lambda/${arnFields.region}/${arnFields.accountId}/${arnFields.name}`,
    // Lambda's stream name form: one stream per process.
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME || `${today}/[${version}]${crypto.randomBytes(16).toString('hex')}`,
  };
}

/** The invoker's client context (base64 JSON, or empty); a Runtime.UnmarshalError when it is not. */
function parseClientContext(encoded) {
  let parsed = {};
  if (encoded) {
    try {
      parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    } catch (error) {
      throw runtimeError('Runtime.UnmarshalError', `the invocation's client context is not base64 JSON: ${error.message}`);
    }
  }
  const fields = parsed !== null && typeof parsed === 'object' ? parsed : {};
  const custom = fields.custom ?? fields.Custom ?? {};
  return { client: fields.client ?? {}, Custom: custom, custom, env: fields.env ?? {} };
}

/**
 * The context for one invocation. work: what getWork returned; deadlineMs:
 * when it must be done (epoch ms); outcome: its HandlerOutcome, which the
 * legacy done/succeed/fail settle.
 */
function createContext(description, work, deadlineMs, outcome) {
  return {
    ...description,
    awsRequestId: work.invocationId,
    clientContext: parseClientContext(work.clientContext),
    // Greengrass has no Cognito identity to pass on.
    identity: undefined,
    // Kept for handlers that set it; the callback answers at once either way,
    // because long-lived Greengrass functions keep timers running forever.
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: (error, value) => outcome.callback(error, value),
    succeed: (value) => outcome.succeed(value),
    fail: (error) => outcome.fail(error ?? runtimeError('Error', 'context.fail was called without an error')),
  };
}

module.exports = { describeFunction, createContext };
