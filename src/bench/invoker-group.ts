// The group `--via gg-invoke` runs: the user's group file with one more
// function, the C bench invoker (sdk/libexec/nanolambda/examples/bench_invoker),
// allowed `lanes` instances at once and room for them in MaxConcurrentWorkers.
// The file itself is not changed: its JSON is edited in memory and validated
// like any group (relative paths still resolve against its directory).
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/cli-error';
import { readJsonFile } from '../config/json-file';
import { parseGroup } from '../config/load-group';
import type { GroupConfig } from '../config/types';
import { packageRoot } from '../native/binding';

export const INVOKER_NAME = 'nanolambda-bench-invoker';
/** Greengrass V1's default, as nanolambda-section.ts has it. */
const DEFAULT_MAX_CONCURRENT_WORKERS = 25;
const MAX_CONCURRENT_WORKERS = 10_000;
/** The longest Timeout a function may have: a round is short, but a target may be slow. */
const INVOKER_TIMEOUT_S = 900;

export function invokerExecutable(): string {
  return path.join(packageRoot, 'sdk', 'libexec', 'nanolambda', 'examples', 'bench_invoker');
}

/** The group file's group plus the invoker; its ARN in `invokerArn`. */
export function groupWithInvoker(groupFile: string, lanes: number): { group: GroupConfig; invokerArn: string } {
  const executable = invokerExecutable();
  if (!fs.existsSync(executable)) {
    throw new UsageError(`--via gg-invoke needs the C bench invoker ${executable}, which is missing: build the SDK with \`npm run build:csdk\``, false);
  }
  const file = path.resolve(groupFile);
  // The group file's own errors are reported by loadGroupFile's checks in parseGroup below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw group JSON, validated by parseGroup
  const json = readJsonFile(file) as any;
  const fdv = json?.FunctionDefinitionVersion?.Definition ?? json?.FunctionDefinitionVersion;
  if (typeof json?.Nanolambda !== 'object' || json.Nanolambda === null || !Array.isArray(fdv?.Functions)) {
    // The loader says what is wrong, naming the JSON path; should it not, say it here.
    parseGroup(json, file, path.dirname(file));
    throw new UsageError(`${file}: no Nanolambda section and FunctionDefinitionVersion.Functions list to add the bench invoker to`, false);
  }
  if (fdv.Functions.some((entry: { Id?: unknown }) => entry?.Id === INVOKER_NAME)) {
    throw new UsageError(`${file}: the group already has a function with Id ${INVOKER_NAME}, the name --via gg-invoke gives its C invoker: rename it`, false);
  }
  const invokerArn = `${arnPrefixOf(fdv.Functions)}${INVOKER_NAME}:1`;
  fdv.Functions.push({
    Id: INVOKER_NAME,
    FunctionArn: invokerArn,
    FunctionConfiguration: {
      Executable: path.basename(executable),
      EncodingType: 'binary',
      Timeout: INVOKER_TIMEOUT_S,
      Pinned: false,
      // A container would add its own setup to nothing the invoker measures.
      Environment: { Execution: { IsolationMode: 'NoContainer' } },
    },
  });
  const local = json.Nanolambda;
  local.Code = { ...local.Code, [invokerArn]: executable };
  local.Functions = { ...local.Functions, [invokerArn]: { MaxInstances: lanes } };
  const workers = typeof local.Runtime?.MaxConcurrentWorkers === 'number' ? local.Runtime.MaxConcurrentWorkers : DEFAULT_MAX_CONCURRENT_WORKERS;
  local.Runtime = { ...local.Runtime, MaxConcurrentWorkers: Math.min(MAX_CONCURRENT_WORKERS, workers + lanes) };
  return { group: parseGroup(json, file, path.dirname(file)), invokerArn };
}

/** `arn:aws:lambda:<region>:<account>:function:` of the group's first function, so the invoker lives beside it. */
function arnPrefixOf(functions: Array<{ FunctionArn?: unknown }>): string {
  const arn = functions.map((entry) => entry?.FunctionArn).find((value): value is string => typeof value === 'string');
  const match = arn === undefined ? null : /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:)/.exec(arn);
  return match?.[1] ?? 'arn:aws:lambda:us-east-1:123456789012:function:';
}
