// Calls the handler the ways Lambda's Node.js runtime allows: with a callback
// (event, context, callback), or async (a returned promise is awaited). A
// plain return value is ignored, as in Lambda: a handler that neither calls
// back nor returns a promise answers null once the event loop empties (the
// work loop sees that through 'beforeExit').
'use strict';

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}

/** Starts the handler; its HandlerOutcome `outcome` says how it ended. this = the module, as in Greengrass. */
function callHandler(loaded, event, context, outcome) {
  try {
    const returned = loaded.handler.call(loaded.thisArg, event, context, outcome.callback);
    if (isThenable(returned)) {
      Promise.resolve(returned).then((value) => outcome.succeed(value), (error) => outcome.fail(error));
    }
  } catch (error) {
    // Also a `then` getter that throws.
    outcome.fail(error);
  }
}

module.exports = { callHandler };
