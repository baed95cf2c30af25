// Retrying an IPC request that could not reach the server, with the backoff
// Greengrass's Node runtime used for get-work (greengrass-v1.md §2.2): 50 ms,
// doubling, at most 500 ms apart, 10 attempts. The server answering with an
// error status is not retried: it said no, and asking again will not change it.
'use strict';

const { setTimeout: sleep } = require('node:timers/promises');

const ATTEMPTS = 10;
const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 500;

/** Whether an IPC request failed before the server answered, or the server itself failed. */
function isTransient(error) {
  return error.name === 'IPCError' && (error.statusCode === undefined || error.statusCode >= 500);
}

/** Runs `attempt` (returning a promise) until it succeeds, a failure is not transient, or attempts run out. */
async function retryTransient(attempt) {
  let delay = FIRST_DELAY_MS;
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || tried >= ATTEMPTS) throw error;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

module.exports = { retryTransient };
