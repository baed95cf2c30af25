// How one invocation ended, decided by the first of: the callback, the legacy
// context.done/succeed/fail, the returned promise settling, the handler
// throwing, or the event loop emptying. Later answers are ignored, as in Lambda.
'use strict';

class HandlerOutcome {
  #resolve;

  constructor() {
    this.settled = false;
    /** Resolves with { failed: false, value } or { failed: true, error }. */
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    /** The handler's callback(error, value): any error other than null or undefined fails it. */
    this.callback = (error, value) => {
      if (error === undefined || error === null) this.succeed(value);
      else this.fail(error);
    };
  }

  succeed(value) {
    this.#settle({ failed: false, value });
  }

  /** Fails it with `error`, whatever it is (a thrown undefined is still a failure). */
  fail(error) {
    this.#settle({ failed: true, error });
  }

  #settle(result) {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(result);
  }
}

module.exports = { HandlerOutcome };
