// The load driver of targets invoked call by call from TypeScript (http,
// api): each call timed here with process.hrtime, shaped by load-generator.
import { generateLoad, warmUp, type Invoke } from './load-generator';
import type { FirstCall, LoadDriver } from './target';

export function callByCall(invoke: Invoke): LoadDriver {
  return {
    first: async (): Promise<FirstCall> => {
      const t0 = process.hrtime.bigint();
      let outcome;
      try {
        outcome = await invoke();
      } catch (error) {
        outcome = { kind: 'failed' as const, message: (error as Error).message };
      }
      return { outcome, latencyNs: Number(process.hrtime.bigint() - t0) };
    },
    warmUp: (count, inFlight) => warmUp(invoke, count, inFlight),
    drive: (shape, length, recorder, startNs) => generateLoad(invoke, shape, length, recorder, startNs),
  };
}
