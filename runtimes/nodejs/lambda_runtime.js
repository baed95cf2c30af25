// nanolambda's Node.js runtime for Greengrass-style functions. The host starts
//   node lambda_runtime.js --handler=<file>.<export>
// in the function's code directory with the Greengrass environment
// (MY_FUNCTION_ARN, AWS_CONTAINER_AUTHORIZATION_TOKEN, ENCODING_TYPE,
// GGC_MAX_INTERFACE_VERSION, GG_DAEMON_PORT, ...) and a NODE_PATH that holds
// ./node_modules, where aws-greengrass-ipc-sdk-js and aws-greengrass-common-js
// live for the public aws-greengrass-core-sdk. It loads the handler, then
// serves invocations over the Greengrass IPC until it is stopped.
// Exit status: 0 on SIGTERM; 1 when it cannot start (the reason on stderr; a
// handler that does not load is also reported to the IPC server, which fails
// the waiting invocation with Lambda's error document) or when the process can
// no longer serve.
'use strict';

const IPCClient = require('./node_modules/aws-greengrass-ipc-sdk-js');
const { loadHandler } = require('./lib/handler-module');
const { initFailureText, reportInitFailure } = require('./lib/init-failure');
const { describeFunction } = require('./lib/invocation-context');
const { readSettings } = require('./lib/runtime-settings');
const { WorkLoop } = require('./lib/work-loop');

async function main() {
  // The host stops a worker with SIGTERM; that is a normal end.
  process.on('SIGTERM', () => process.exit(0));
  const settings = readSettings(process.argv.slice(2), process.env);
  const client = new IPCClient(settings.authToken);
  let loaded;
  try {
    loaded = await loadHandler(settings.handler, process.cwd());
  } catch (error) {
    process.stderr.write(`nanolambda nodejs runtime: ${initFailureText(error)}\n`);
    await reportInitFailure(client, settings.functionArn, error);
    process.exit(1);
  }
  const description = describeFunction(settings, process.env);
  await new WorkLoop({ client, settings, loaded, description }).run();
}

main().catch((error) => {
  const name = error && error.name ? error.name : 'Error';
  const message = error && error.message ? error.message : String(error);
  process.stderr.write(`nanolambda nodejs runtime: ${name}: ${message}\n`);
  process.exit(1);
});
