// What the runtime is told when it starts: `--handler=file.export` and the
// Greengrass environment (greengrass-v1.md §2.1, §3). Each value is checked
// here, so a misconfigured worker stops at once with a message that names the
// variable, instead of failing its first invocation.
'use strict';

const { FunctionArnFields } = require('../node_modules/aws-greengrass-common-js');
const { StartupError } = require('./startup-error');

/** The Greengrass SDK interface our IPC modules implement; GGC_MAX_INTERFACE_VERSION must allow it. */
const IMPLEMENTED_INTERFACE = { major: 1, minor: 5 };
/** Lambda's and Greengrass's default Timeout, for a deadline nobody sent. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const ENCODINGS = ['json', 'binary'];

function invalid(message) {
  return new StartupError('Runtime.InvalidEnvironment', message);
}

function required(env, name) {
  const value = env[name];
  if (!value) throw invalid(`${name} is not set; the host must start the runtime with it`);
  return value;
}

function handlerArgument(args) {
  const option = args.find((arg) => arg.startsWith('--handler='));
  const handler = option === undefined ? '' : option.slice('--handler='.length);
  if (!handler) throw new StartupError('Runtime.MalformedHandlerName', 'no handler: start the runtime with --handler=<file>.<export>');
  return handler;
}

function checkInterfaceVersion(value) {
  const match = /^(\d+)\.(\d+)$/.exec(value);
  if (!match) throw invalid(`GGC_MAX_INTERFACE_VERSION ${JSON.stringify(value)} is not <major>.<minor>`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major !== IMPLEMENTED_INTERFACE.major || minor < IMPLEMENTED_INTERFACE.minor) {
    throw invalid(
      `GGC_MAX_INTERFACE_VERSION ${value} does not allow this runtime's Greengrass interface `
      + `${IMPLEMENTED_INTERFACE.major}.${IMPLEMENTED_INTERFACE.minor}`,
    );
  }
}

function timeoutMs(value) {
  if (value === undefined || value === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(value);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw invalid(`AWS_LAMBDA_FUNCTION_TIMEOUT ${JSON.stringify(value)} is not a positive number of seconds`);
  }
  return seconds * 1000;
}

/**
 * args: the command-line arguments after the script; env: process.env.
 * Throws a StartupError naming the first problem.
 */
function readSettings(args, env) {
  const handler = handlerArgument(args);
  const functionArn = required(env, 'MY_FUNCTION_ARN');
  let arnFields;
  try {
    arnFields = new FunctionArnFields(functionArn);
  } catch (error) {
    throw invalid(`MY_FUNCTION_ARN: ${error.message}`);
  }
  const authToken = required(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN');
  const encoding = env.ENCODING_TYPE;
  if (!ENCODINGS.includes(encoding)) {
    throw invalid(`ENCODING_TYPE ${JSON.stringify(encoding ?? '')} is neither json nor binary`);
  }
  checkInterfaceVersion(required(env, 'GGC_MAX_INTERFACE_VERSION'));
  return {
    handler,
    functionArn,
    arnFields,
    authToken,
    encoding,
    /** How long an invocation may run when the work carries no deadline. */
    functionTimeoutMs: timeoutMs(env.AWS_LAMBDA_FUNCTION_TIMEOUT),
  };
}

module.exports = { readSettings };
