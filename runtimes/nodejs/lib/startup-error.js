// Why the runtime could not start: its environment or arguments are wrong, or
// the handler could not be loaded. name is the Lambda error type where Lambda
// has one (Runtime.ImportModuleError, Runtime.HandlerNotFound, ...). One about
// the handler is also reported to the IPC server (init-failure.js).
'use strict';

class StartupError extends Error {
  constructor(errorType, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = errorType;
  }
}

module.exports = { StartupError };
