// Read a request body with a byte cap, counting as it streams: nothing past
// the cap is kept, and past a further drain budget nothing more is read.
import type { IncomingMessage } from 'node:http';
import { OVERSIZE_DRAIN_BUDGET } from './limits';

export type BodyOutcome =
  | { kind: 'ok'; body: Buffer }
  /** Over the cap. `drained`: the whole body was read (the connection is reusable). */
  | { kind: 'too-large'; drained: boolean }
  /** The client went away; there is nobody to answer. */
  | { kind: 'aborted' };

const EMPTY = Buffer.alloc(0);

export function readBody(req: IncomingMessage, limit: number, done: (outcome: BodyOutcome) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length === 0) {
      // The hot path for empty payloads: nothing to wait for beyond 'end'.
      req.resume();
      req.once('end', () => done({ kind: 'ok', body: EMPTY }));
      return;
    }
    // Far too big to bother draining: answer at once and drop the connection.
    if (length > limit + OVERSIZE_DRAIN_BUDGET) {
      done({ kind: 'too-large', drained: false });
      return;
    }
  }

  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let finished = false;
  const finish = (outcome: BodyOutcome): void => {
    if (finished) return;
    finished = true;
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('close', onClose);
    done(outcome);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      // Keep counting but stop keeping; give up once past the drain budget.
      first = undefined;
      chunks = undefined;
      if (size > limit + OVERSIZE_DRAIN_BUDGET) {
        req.pause();
        finish({ kind: 'too-large', drained: false });
      }
      return;
    }
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  };
  const onEnd = (): void => {
    if (size > limit) finish({ kind: 'too-large', drained: true });
    else finish({ kind: 'ok', body: chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? EMPTY) });
  };
  const onClose = (): void => {
    if (!req.complete) finish({ kind: 'aborted' });
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onClose);
}
