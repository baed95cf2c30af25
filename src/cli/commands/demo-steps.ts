// The demo's steps: each exercises one behaviour of the runtime over the
// built-in example group and returns a one-line account of what happened,
// or throws a DemoFailure saying what it expected instead.
import fs from 'node:fs';
import http from 'node:http';
import type { InvokeResult } from '../../invoke-types';
import type { PublishEvent } from '../../messaging/message-bus';
import type { Runtime } from '../../runtime';
import { errorMessageOf, httpInvoke } from '../http-invoke';
import { signingKeyFor } from '../client-credentials';
import { formatSummary, measureSequential } from '../latency';

export class DemoFailure extends Error {}

export interface DemoContext {
  runtime: Runtime;
  endpoint: URL;
  apiInvokes: number;
  httpInvokes: number;
}

export interface DemoStep {
  name: string;
  /** Longest the step may take before it counts as failed. */
  timeoutMs: number;
  run(ctx: DemoContext): Promise<string>;
}

function check(condition: boolean, expected: string): asserts condition {
  if (!condition) throw new DemoFailure(expected);
}

function text(buf: Buffer, max = 160): string {
  const s = buf.toString('utf8');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The errorMessage of a function-error document, without Lambda's "RequestId: … Error: " prefix. */
function errorText(payload: Buffer): string {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as { errorType?: string; errorMessage?: string };
    const message = (doc.errorMessage ?? '').replace(/^RequestId: \S+ Error: /, '');
    return `${doc.errorType ?? 'error'}: ${message}`;
  } catch {
    return text(payload, 100);
  }
}

function show(r: InvokeResult): string {
  return `${r.statusCode}${r.functionError ? ` ${r.functionError}` : ''}: ${text(r.payload)}`;
}

function succeeded(r: InvokeResult, what: string): void {
  check(r.statusCode === 200 && r.functionError === undefined, `${what} to succeed, got ${show(r)}`);
}

/** 'arn:aws:lambda:r:a:function:echo:1' -> 'echo'; anything else unchanged. */
function shortName(target: string): string {
  const at = target.indexOf(':function:');
  return at < 0 ? target : target.slice(at + 10).split(':', 1)[0]!;
}

const ms = (t0: bigint): string => `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`;

export const demoSteps: DemoStep[] = [
  {
    name: 'sync invoke',
    timeoutMs: 30_000,
    async run({ runtime }) {
      const payload = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) & 0xff));
      const t0 = process.hrtime.bigint();
      const r = await runtime.invoke('echo', payload);
      const took = ms(t0);
      succeeded(r, 'echo');
      check(r.payload.equals(payload), `echo to return the ${payload.length} binary bytes unchanged, got ${r.payload.length} other bytes`);
      return `echo returned ${payload.length} binary bytes unchanged in ${took} (cold start included), version ${r.executedVersion}`;
    },
  },
  {
    name: 'event invoke',
    timeoutMs: 30_000,
    async run({ runtime }) {
      const r = await runtime.invoke('echo', Buffer.from('{"async":true}'), { type: 'Event' });
      check(r.statusCode === 202, `202 for an Event invoke, got ${r.statusCode}`);
      check(r.payload.length === 0, `an empty body for an Event invoke, got ${r.payload.length} bytes`);
      // Stored before the 202, then run: its REPORT line carries the 202's request id.
      const log = runtime.logPathOf('echo');
      const report = `REPORT RequestId: ${r.requestId}\t`;
      const deadline = Date.now() + 10_000;
      while (!(fs.existsSync(log) && fs.readFileSync(log, 'latin1').includes(report))) {
        check(Date.now() < deadline, `a REPORT line for event ${r.requestId} in ${log} within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return `echo accepted an Event invoke (202, stored durably), then ran it: REPORT RequestId: ${r.requestId} in its log`;
    },
  },
  {
    name: 'publish routing',
    timeoutMs: 30_000,
    async run({ runtime }) {
      let listener: ((m: PublishEvent) => void) | undefined;
      const published = new Promise<PublishEvent>((resolve) => {
        listener = (m) => {
          if (m.topic === 'demo/events') resolve(m);
        };
        runtime.messages.on('publish', listener);
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        const r = await runtime.invoke('publisher', Buffer.from('{"temperature":21.5}'));
        succeeded(r, 'publisher');
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DemoFailure('a publish on demo/events within 5 s; none came')), 5000);
        });
        const m = await Promise.race([published, timeout]);
        const names = m.targets.map(shortName);
        for (const want of ['counter', 'echo']) {
          check(
            names.includes(want),
            `demo/events to be routed to ${want}; delivered to [${names.join(', ')}], undelivered [${m.undelivered.join(', ')}]`,
          );
        }
        return `${shortName(m.source)} published ${m.payload.length} B on ${m.topic} -> [${names.join(', ')}]`;
      } finally {
        clearTimeout(timer);
        if (listener) runtime.messages.off('publish', listener);
      }
    },
  },
  {
    name: 'function to function',
    timeoutMs: 30_000,
    async run({ runtime }) {
      const r = await runtime.invoke('invoker', Buffer.from('world'));
      succeeded(r, 'invoker');
      check(r.payload.includes('hello'), `invokee's "hello <payload>" in invoker's answer, got ${show(r)}`);
      return `invoker -> invokee (gg_invoke) answered: ${text(r.payload, 80)}`;
    },
  },
  {
    name: 'crash recovery',
    timeoutMs: 30_000,
    async run({ runtime }) {
      const crash = await runtime.invoke('crasher', Buffer.from('segv'));
      check(crash.statusCode === 200 && crash.functionError === 'Unhandled', `an Unhandled error for a crash, got ${show(crash)}`);
      check(/SIGSEGV|segmentation/i.test(crash.payload.toString()), `the error to name SIGSEGV, got ${show(crash)}`);
      const echo = await runtime.invoke('echo', Buffer.from('still here'));
      succeeded(echo, 'echo after the crash');
      // The segfaulted worker is gone: this answer can only come from a fresh one.
      const again = await runtime.invoke('crasher', Buffer.from('alive'));
      succeeded(again, 'the next crasher call (a fresh worker)');
      check(again.payload.toString() === 'alive', `the fresh crasher worker to echo "alive", got ${show(again)}`);
      return `crasher segv -> ${errorText(crash.payload)}; echo still answers; the next crasher call got a fresh worker`;
    },
  },
  {
    name: 'timeout',
    timeoutMs: 30_000,
    async run({ runtime }) {
      const t0 = process.hrtime.bigint();
      const r = await runtime.invoke('hanger', Buffer.from('{}'));
      const took = ms(t0);
      check(r.functionError === 'Unhandled', `an Unhandled error for a timeout, got ${show(r)}`);
      check(r.payload.includes('Task timed out after 1.00 seconds'), `"Task timed out after 1.00 seconds", got ${show(r)}`);
      return `hanger -> ${errorText(r.payload)} (after ${took})`;
    },
  },
  {
    name: 'HTTP invoke (AWS CLI style)',
    timeoutMs: 30_000,
    async run({ runtime, endpoint }) {
      const echo = runtime.group.functions.find((f) => f.name === 'echo');
      check(echo !== undefined, 'an echo function in the example group');
      const payload = Buffer.from('{"via":"http"}');
      // The full ARN goes percent-encoded into the path, as the CLI sends it.
      const key = signingKeyFor(runtime.group.stateDir);
      const reply = await httpInvoke(endpoint, echo.arn, payload, { logType: 'Tail' }, undefined, key);
      check(reply.status === 200, `HTTP 200, got ${reply.status}: ${errorMessageOf(reply)}`);
      check(reply.body.equals(payload), `the payload back, got ${text(reply.body)}`);
      check(reply.headers['x-amz-function-error'] === undefined, 'no X-Amz-Function-Error');
      const version = reply.headers['x-amz-executed-version'];
      check(typeof version === 'string', 'an X-Amz-Executed-Version header');
      const tail = reply.headers['x-amz-log-result'];
      check(typeof tail === 'string', 'an X-Amz-Log-Result header for X-Amz-Log-Type: Tail');
      const missing = await httpInvoke(endpoint, 'no-such-function', Buffer.alloc(0), {}, undefined, signingKeyFor(runtime.group.stateDir));
      check(
        missing.status === 404 && missing.headers['x-amzn-errortype'] === 'ResourceNotFoundException',
        `404 ResourceNotFoundException for an unknown function, got ${missing.status} ${String(missing.headers['x-amzn-errortype'])}`,
      );
      const lines = Buffer.from(tail, 'base64').toString('utf8').split('\n').filter(Boolean).length;
      return `POST ${endpoint.origin}/2015-03-31/functions/${encodeURIComponent(echo.arn)}/invocations -> 200, ExecutedVersion ${version}, ${lines} log lines; unknown function -> 404`;
    },
  },
  {
    name: 'latency (TypeScript API)',
    timeoutMs: 300_000,
    async run({ runtime, apiInvokes }) {
      const payload = Buffer.from(`{"k":"${'x'.repeat(56)}"}`); // 64 B
      const once = async (): Promise<void> => {
        const r = await runtime.invoke('echo', payload);
        if (r.functionError !== undefined || r.payload.length !== payload.length) throw new DemoFailure(`echo to answer, got ${show(r)}`);
      };
      await measureSequential(Math.min(500, apiInvokes), once); // warm-up
      return formatSummary(await measureSequential(apiInvokes, once));
    },
  },
  {
    name: 'latency (HTTP keep-alive)',
    timeoutMs: 300_000,
    async run({ runtime, endpoint, httpInvokes }) {
      const payload = Buffer.from(`{"k":"${'x'.repeat(56)}"}`); // 64 B
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      // Signed like every real client's request: the verification is part of the latency.
      const key = signingKeyFor(runtime.group.stateDir);
      try {
        const once = async (): Promise<void> => {
          const reply = await httpInvoke(endpoint, 'echo', payload, {}, agent, key);
          if (reply.status !== 200 || reply.body.length !== payload.length) {
            throw new DemoFailure(`HTTP 200 with the payload back, got ${reply.status} ${text(reply.body)}`);
          }
        };
        await measureSequential(Math.min(200, httpInvokes), once); // warm-up
        return formatSummary(await measureSequential(httpInvokes, once));
      } finally {
        agent.destroy();
      }
    },
  },
];
