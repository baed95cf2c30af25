// The benchmark target in-process: the group started fresh with
// Runtime.start (no HTTP endpoint) and invoked through the TS API, so the
// figures are the runtime's own, without HTTP or signing.
import { Runtime } from '../runtime';
import { shortMessage, type InvokeOutcome } from './outcome';
import type { BenchTarget } from './target';
import { workersOf } from './function-workers';
import { callByCall } from './call-driver';

export async function apiTarget(groupFile: string, functionName: string, qualifier: string | undefined, payload: Buffer): Promise<BenchTarget> {
  const runtime = await Runtime.start({ group: groupFile, http: false });
  const invokeOptions = qualifier === undefined ? {} : { qualifier };
  const invoke = async (): Promise<InvokeOutcome> => {
    const result = await runtime.invoke(functionName, payload, invokeOptions);
    if (result.functionError !== undefined) return { kind: 'function-error', message: shortMessage(result.payload.toString('utf8')) };
    return { kind: 'ok' };
  };
  return {
    via: 'api',
    where: `TS API (${groupFile})`,
    encoding: runtime.registry.tryResolve(functionName, qualifier)?.fn.encoding,
    ...callByCall(invoke),
    workers: async () => ({ workers: workersOf(runtime.status(), functionName) }),
    close: () => runtime.stop(),
  };
}
