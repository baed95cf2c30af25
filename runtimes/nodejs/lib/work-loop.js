// The runtime's loop (greengrass-v1.md §2.6, §3): take the next invocation of
// this function from the IPC server (a long poll), run the handler, post its
// result or its error document, and again. One invocation at a time.
// It also owns the process-wide events that end an invocation: the event loop
// emptying (a handler that never answered: null) and an uncaught exception or
// unhandled rejection (the invocation fails, then the process exits, because
// the function's state can no longer be trusted).
'use strict';

const { promisify } = require('node:util');
const { callHandler } = require('./handler-call');
const { createContext } = require('./invocation-context');
const { errorDocument, unhandledRejection } = require('./error-document');
const { HandlerOutcome } = require('./handler-outcome');
const { decodeEvent, encodeResult } = require('./payload-codec');
const { retryTransient } = require('./retry');

function say(message) {
  process.stderr.write(`nanolambda nodejs runtime: ${message}\n`);
}

class WorkLoop {
  /** 'waiting' for work, 'running' the handler, or 'answering' the server. */
  #state = 'waiting';
  #outcome;
  #exitWhenAnswered = false;

  /**
   * client: an IPCClient; settings: readSettings(); loaded: loadHandler();
   * description: describeFunction().
   */
  constructor({ client, settings, loaded, description }) {
    this.settings = settings;
    this.loaded = loaded;
    this.description = description;
    this.getWork = promisify(client.getWork.bind(client));
    this.postWorkResult = promisify(client.postWorkResult.bind(client));
    this.postUnhandledError = (arn, invocationId, document) => new Promise((resolve, reject) => {
      client.postHandlerError(arn, invocationId, document, (error) => (error ? reject(error) : resolve()), 'Unhandled');
    });
  }

  /** Serves invocations until the process ends; rejects when the IPC server cannot be used. */
  async run() {
    this.#watchProcess();
    const { functionArn } = this.settings;
    for (;;) {
      this.#state = 'waiting';
      const work = await retryTransient(() => this.getWork(functionArn));
      const arrivedAt = Date.now();
      this.#outcome = new HandlerOutcome();
      this.#state = 'running';
      this.#start(work, arrivedAt, this.#outcome);
      const result = await this.#outcome.promise;
      this.#state = 'answering';
      await this.#answer(work.invocationId, result);
      if (this.#exitWhenAnswered) process.exit(1);
    }
  }

  #start(work, arrivedAt, outcome) {
    try {
      const deadlineMs = work.deadlineMs ?? arrivedAt + this.settings.functionTimeoutMs;
      const context = createContext(this.description, work, deadlineMs, outcome);
      const event = decodeEvent(this.settings.encoding, work.payload);
      callHandler(this.loaded, event, context, outcome);
    } catch (error) {
      outcome.fail(error);
    }
  }

  async #answer(invocationId, result) {
    const { functionArn, encoding } = this.settings;
    let { failed, error } = result;
    let body;
    if (!failed) {
      try {
        body = encodeResult(encoding, result.value);
      } catch (serialisation) {
        [failed, error] = [true, serialisation];
      }
    }
    try {
      if (failed) {
        const document = JSON.stringify(errorDocument(error));
        process.stderr.write(`${invocationId}\tERROR\tInvoke Error\t${document}\n`);
        await retryTransient(() => this.postUnhandledError(functionArn, invocationId, document));
      } else {
        await retryTransient(() => this.postWorkResult(functionArn, invocationId, body));
      }
    } catch (refusal) {
      // Refused (the invocation timed out meanwhile, say): nothing to redo, go on.
      // Unreachable even after retries: the host is gone, and so is this worker.
      if (refusal.statusCode === undefined || refusal.statusCode >= 500) throw refusal;
      say(`the answer to invocation ${invocationId} was refused: ${refusal.message}`);
    }
  }

  #watchProcess() {
    process.on('beforeExit', () => {
      if (this.#state === 'running') this.#outcome.succeed(undefined);
    });
    process.on('uncaughtException', (error) => this.#failProcess(error, 'uncaught exception'));
    process.on('unhandledRejection', (reason) => this.#failProcess(unhandledRejection(reason), 'unhandled promise rejection'));
  }

  #failProcess(error, what) {
    const document = errorDocument(error);
    say(`${what}, exiting after answering the running invocation: ${document.trace.join('\n') || `${document.errorType}: ${document.errorMessage}`}`);
    if (this.#state === 'waiting') process.exit(1);
    this.#exitWhenAnswered = true;
    if (this.#state === 'running') this.#outcome.fail(error);
  }
}

module.exports = { WorkLoop };
