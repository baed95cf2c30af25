// `nanolambda bench` options: read, checked against each other, defaulted.
// Every refusal names the option and the value at fault.
import { readFileSync } from 'node:fs';
import { intFlag, oneOf, stringFlag, type ParsedArgs } from '../cli/args';
import { UsageError } from '../cli/cli-error';
import type { LoadShape, RunLength } from './load-generator';
import type { Via } from './target';
import { jsonPayloadOfSize } from './payload-encoding';

export const DEFAULT_PAYLOAD_BYTES = 64;
export const DEFAULT_COUNT = 1000;
export const DEFAULT_WARMUP = 10;
/** The synchronous invoke payload limit: a larger payload could only fail. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_CONCURRENCY = 10_000;
/** --via gg-invoke runs one C invoker per lane, and a function has at most 1,000 instances (MaxInstances). */
export const MAX_GG_INVOKE_CONCURRENCY = 1000;
const MAX_RATE = 1_000_000;
/** A week: longer is a typo. */
const MAX_DURATION_S = 7 * 24 * 3600;

export interface BenchOptions {
  functionName: string;
  /** The group file named on the command line, if any. */
  groupFile: string | undefined;
  via: Via;
  qualifier: string | undefined;
  endpoint: string | undefined;
  payload: Buffer;
  /** The option that gave the payload, as errors name it: "'--payload-size'" when generated. */
  payloadSource: string;
  shape: LoadShape;
  length: RunLength;
  warmup: number;
  json: boolean;
  svgFile: string | undefined;
  progress: boolean;
}

export function readBenchOptions(args: ParsedArgs): BenchOptions {
  const [functionName, groupFile, ...extra] = args.positionals;
  if (functionName === undefined) throw new UsageError('missing <function>: name the function to benchmark, e.g. `nanolambda bench echo`');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': bench takes <function> and one group file`);
  const via: Via = oneOf(args, 'via', ['http', 'api', 'gg-invoke']) ?? 'http';
  if (via !== 'http' && groupFile === undefined) {
    throw new UsageError(`option '--via ${via}' starts the group in this process: name its group file, e.g. \`nanolambda bench echo group.json --via ${via}\``);
  }
  const endpoint = stringFlag(args, 'endpoint');
  if (via !== 'http' && endpoint !== undefined) throw new UsageError("option '--endpoint' applies to --via http only");
  const { payload, payloadSource } = readPayload(args);
  const shape = readShape(args);
  if (via === 'gg-invoke' && shape.kind === 'concurrency' && shape.inFlight > MAX_GG_INVOKE_CONCURRENCY) {
    throw new UsageError(
      `option '--concurrency': ${shape.inFlight} is over ${MAX_GG_INVOKE_CONCURRENCY}, the most callers --via gg-invoke runs (one C invoker each, and a function has at most ${MAX_GG_INVOKE_CONCURRENCY} instances)`,
    );
  }
  return {
    functionName,
    groupFile,
    via,
    qualifier: stringFlag(args, 'qualifier'),
    endpoint,
    payload,
    payloadSource,
    shape,
    length: readLength(args),
    warmup: intFlag(args, 'warmup', 0, 1_000_000) ?? DEFAULT_WARMUP,
    json: args.flags.has('json'),
    svgFile: stringFlag(args, 'svg'),
    progress: !args.flags.has('no-progress'),
  };
}

function exclusive(args: ParsedArgs, names: string[]): void {
  const given = names.filter((name) => args.flags.has(name));
  if (given.length > 1) throw new UsageError(`options ${given.map((n) => `'--${n}'`).join(' and ')} exclude each other: give one`);
}

function readPayload(args: ParsedArgs): { payload: Buffer; payloadSource: string } {
  exclusive(args, ['payload', 'payload-file', 'payload-size']);
  const text = stringFlag(args, 'payload');
  if (text !== undefined) return { payload: checkedSize(Buffer.from(text, 'utf8'), "'--payload'"), payloadSource: "'--payload'" };
  const file = stringFlag(args, 'payload-file');
  if (file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new UsageError(`option '--payload-file': cannot read '${file}': ${(error as Error).message}`, false);
    }
    const payloadSource = `'--payload-file' ${file}`;
    return { payload: checkedSize(bytes, payloadSource), payloadSource };
  }
  const size = intFlag(args, 'payload-size', 0, MAX_PAYLOAD_BYTES) ?? DEFAULT_PAYLOAD_BYTES;
  return { payload: jsonPayloadOfSize(size), payloadSource: "'--payload-size'" };
}

function checkedSize(bytes: Buffer, what: string): Buffer {
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new UsageError(`option ${what}: ${bytes.length} bytes is over the ${MAX_PAYLOAD_BYTES}-byte invoke payload limit`);
  }
  return bytes;
}

function readShape(args: ParsedArgs): LoadShape {
  exclusive(args, ['concurrency', 'rate']);
  const rate = positiveNumber(args, 'rate', MAX_RATE);
  if (rate !== undefined) return { kind: 'rate', perSecond: rate };
  return { kind: 'concurrency', inFlight: intFlag(args, 'concurrency', 1, MAX_CONCURRENCY) ?? 1 };
}

function readLength(args: ParsedArgs): RunLength {
  exclusive(args, ['count', 'duration']);
  const seconds = positiveNumber(args, 'duration', MAX_DURATION_S);
  if (seconds !== undefined) return { kind: 'duration', seconds };
  return { kind: 'count', invocations: intFlag(args, 'count', 1, 1_000_000_000) ?? DEFAULT_COUNT };
}

function positiveNumber(args: ParsedArgs, name: string, max: number): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || value > max) {
    throw new UsageError(`option '--${name}': '${text}' is not a number above 0 and at most ${max}`);
  }
  return value;
}
