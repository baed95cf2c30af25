// `nanolambda demo`: start the built-in example group in-process and show,
// step by step, that the runtime behaves; exit 0 only if every step did.
import { Runtime } from '../../runtime';
import { intFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { describeFunctions } from '../group-summary';
import { DemoFailure, demoSteps, type DemoContext, type DemoStep } from './demo-steps';

const usage = `Usage: nanolambda demo [--api-invokes N] [--http-invokes N]

Start the built-in example group (HTTP on an ephemeral loopback port) and
exercise it: sync and Event invokes, publish routing, function-to-function
calls, a crash, a timeout, an HTTP invoke as the AWS CLI sends it, and a
latency summary of sequential 64 B echo invokes.

Options:
  --api-invokes N    invokes for the TypeScript API latency run (default 10000)
  --http-invokes N   invokes for the HTTP keep-alive latency run (default 2000)
  -h, --help         show this help

Exit status: 0 when every step behaved as expected, 1 otherwise.`;

async function runStep(step: DemoStep, ctx: DemoContext): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DemoFailure(`to finish within ${step.timeoutMs / 1000} s`)), step.timeoutMs);
  });
  try {
    return { ok: true, detail: await Promise.race([step.run(ctx), timeout]) };
  } catch (err) {
    const detail = err instanceof DemoFailure ? `expected ${err.message}` : `threw ${(err as Error).stack ?? String(err)}`;
    return { ok: false, detail };
  } finally {
    clearTimeout(timer);
  }
}

async function run(args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const apiInvokes = intFlag(args, 'api-invokes', 1, 10_000_000) ?? 10_000;
  const httpInvokes = intFlag(args, 'http-invokes', 1, 10_000_000) ?? 2_000;
  const out = process.stdout;

  let runtime: Runtime;
  try {
    runtime = await Runtime.start({ http: { host: '127.0.0.1', port: 0 } });
  } catch (err) {
    out.write(`FAIL  start: the built-in example group did not start: ${(err as Error).message}\n`);
    return 1;
  }
  const failed: string[] = [];
  try {
    const address = runtime.httpAddress;
    if (address === undefined) {
      out.write('FAIL  start: the runtime has no HTTP address although HTTP was requested\n');
      return 1;
    }
    const endpoint = new URL(`http://${address.host}:${address.port}`);
    out.write(`nanolambda demo: ${runtime.group.functions.length} functions from ${runtime.group.file}, Invoke API on ${endpoint.origin}\n`);
    out.write(`${describeFunctions(runtime.group).join('\n')}\n\n`);

    const ctx: DemoContext = { runtime, endpoint, apiInvokes, httpInvokes };
    const width = Math.max(...demoSteps.map((s) => s.name.length));
    for (const step of demoSteps) {
      const { ok, detail } = await runStep(step, ctx);
      if (!ok) failed.push(step.name);
      out.write(`${ok ? 'PASS' : 'FAIL'}  ${step.name.padEnd(width)}  ${detail}\n`);
    }
  } finally {
    try {
      await runtime.stop();
    } catch (err) {
      failed.push('stop');
      out.write(`FAIL  stop  ${(err as Error).message}\n`);
    }
  }
  if (failed.length > 0) {
    out.write(`\ndemo failed at: ${failed.join(', ')}\n`);
    return 1;
  }
  out.write(`\nall ${demoSteps.length} steps behaved as expected; the runtime stopped cleanly\n`);
  return 0;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the built-in example group and show what the runtime does',
  usage,
  flags: { 'api-invokes': 'string', 'http-invokes': 'string' },
  run,
};
