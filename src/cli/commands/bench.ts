// `nanolambda bench`: drive one function of a running runtime (local HTTP
// invoke endpoint) or of a group started in-process (TS API, or C-to-C
// gg_invoke from the C bench invoker), then report
// cold start, latency percentiles, throughput, errors and worker memory as a
// table, JSON, and optionally an SVG chart.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiTarget } from '../../bench/api-target';
import { DEFAULT_COUNT, DEFAULT_PAYLOAD_BYTES, DEFAULT_WARMUP, readBenchOptions, type BenchOptions } from '../../bench/bench-options';
import { ggInvokeTarget } from '../../bench/gg-invoke-target';
import { httpTarget } from '../../bench/http-target';
import { checkPayloadEncoding } from '../../bench/payload-encoding';
import { FunctionRegistry } from '../../registry/registry';
import { renderLatencySvg } from '../../bench/latency-svg';
import { OPEN_LOOP_MAX_IN_FLIGHT } from '../../bench/load-generator';
import { runBench } from '../../bench/run-bench';
import { formatTable } from '../../bench/table';
import type { BenchTarget } from '../../bench/target';
import type { ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import { signingKeyFor } from '../client-credentials';
import type { Command } from '../command';
import { groupFromArg } from '../group-arg';

const usage = `Usage: nanolambda bench <function> [group.json] [options]

Benchmark a function: invoke it many times and report the first (cold)
invocation, latency p50/p90/p99/p99.9/max, throughput, errors and the
memory of its workers. <function> is a name, name:qualifier, or an ARN.
group.json is the group the runtime runs (default: the built-in example
group); it gives the endpoint, the signing keys and the control socket.

Entry point:
  --via http            (default) a running runtime's local invoke endpoint,
                        signed, over keep-alive connections
  --via api             start group.json in this process (required) and call
                        the TS API: the runtime's own cost, no HTTP
  --via gg-invoke       start group.json in this process (required) with a C
                        function added that calls <function> with gg_invoke
                        (RequestResponse) and times each call in C: what one
                        C function calling another sees. --concurrency N runs
                        N such callers (at most 1000); --rate R one, calling
                        on a schedule. Should that C function itself fail,
                        the run stops with exit status 2
  --endpoint URL        for --via http (default: $NANOLAMBDA_ENDPOINT, else the
                        group's Http address)
  --qualifier Q         version, alias or $LATEST

Payload (one of):
  --payload-size N      a JSON string "xx…x" of N bytes (default ${DEFAULT_PAYLOAD_BYTES})
  --payload TEXT        this text
  --payload-file F      this file's bytes
  A function with EncodingType json (Python and Node.js by default) parses
  its event: --payload and --payload-file must then be JSON.

Load (one of):
  --concurrency N       N invocations in flight, closed loop (default 1)
  --rate R              R invocations/s on a fixed schedule, open loop
                        (latency counted from each call's scheduled start)
Length (one of):
  --count N             N measured invocations (default ${DEFAULT_COUNT})
  --duration S          S seconds
  --warmup N            unmeasured invocations first (default ${DEFAULT_WARMUP})

Output:
  --json                print the figures as JSON on stdout instead of the table
  --svg FILE            write an SVG chart: latency distribution and latency over time
  --no-progress         no progress bar (there is one only when stderr is a terminal)
  -h, --help            show this help

Exit status: 0 all invocations succeeded, 1 some failed (the figures are
still printed), 2 the run could not start (bad option, unknown function,
no runtime listening) or could not go on (--via gg-invoke: the C bench
invoker failed; no figures are printed).`;

async function run(args: ParsedArgs): Promise<number> {
  const options = readBenchOptions(args);
  const target = await openTarget(options);
  let result;
  try {
    checkPayloadEncoding(options.payload, options.payloadSource, options.functionName, target.encoding);
    result = await runBench(target, {
      functionName: options.functionName,
      payloadBytes: options.payload.length,
      shape: options.shape,
      length: options.length,
      warmup: options.warmup,
      progress: options.progress && process.stderr.isTTY ? process.stderr : undefined,
    });
  } finally {
    await target.close();
  }
  const { report } = result;
  if (options.svgFile !== undefined) {
    try {
      writeFileSync(options.svgFile, renderLatencySvg(report, result.buckets, result.samples));
    } catch (error) {
      throw new UsageError(`option '--svg': cannot write '${options.svgFile}': ${(error as Error).message}`, false);
    }
  }
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
  return report.errors.functionErrors + report.errors.failedRequests === 0 ? 0 : 1;
}

async function openTarget(options: BenchOptions): Promise<BenchTarget> {
  if (options.via === 'api') {
    return apiTarget(path.resolve(options.groupFile!), options.functionName, options.qualifier, options.payload);
  }
  if (options.via === 'gg-invoke') {
    return ggInvokeTarget({
      groupFile: path.resolve(options.groupFile!),
      functionName: options.functionName,
      qualifier: options.qualifier,
      payload: options.payload,
      payloadSource: options.payloadSource,
      lanes: options.shape.kind === 'concurrency' ? options.shape.inFlight : 1,
    });
  }
  const group = groupFromArg(options.groupFile);
  return httpTarget({
    endpoint: endpointOf(options.endpoint ?? process.env.NANOLAMBDA_ENDPOINT, group.http),
    functionName: options.functionName,
    qualifier: options.qualifier,
    payload: options.payload,
    key: signingKeyFor(group.stateDir),
    stateDir: group.stateDir,
    maxSockets: options.shape.kind === 'concurrency' ? options.shape.inFlight : OPEN_LOOP_MAX_IN_FLIGHT,
    // Functions of the group file; one created through the Lambda API is not known here.
    encoding: new FunctionRegistry(group).tryResolve(options.functionName, options.qualifier)?.fn.encoding,
  });
}

function endpointOf(text: string | undefined, groupHttp: { host: string; port: number } | undefined): URL {
  if (text === undefined) {
    if (groupHttp === undefined) throw new UsageError('the group has no Http endpoint ("Http": false): pass --endpoint URL or use --via api');
    const host = groupHttp.host.includes(':') ? `[${groupHttp.host}]` : groupHttp.host;
    return new URL(`http://${host}:${groupHttp.port}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`option '--endpoint': '${text}' is not a URL; use e.g. http://127.0.0.1:3001`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`option '--endpoint': '${text}': only http:// endpoints are supported`);
  return url;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark a function: latency percentiles, throughput, cold start, memory',
  usage,
  flags: {
    via: 'string',
    endpoint: 'string',
    qualifier: 'string',
    payload: 'string',
    'payload-file': 'string',
    'payload-size': 'string',
    concurrency: 'string',
    rate: 'string',
    count: 'string',
    duration: 'string',
    warmup: 'string',
    json: 'boolean',
    svg: 'string',
    'no-progress': 'boolean',
  },
  run,
};
