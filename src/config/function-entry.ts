// One FunctionDefinitionVersion.Functions[] entry -> FunctionSpec.
//
// Defaults and decisions (Greengrass V1's unless said):
// - Timeout: seconds, 1..900, default 3 (applies per request, pinned too).
// - EncodingType for executables: default 'binary', not Greengrass's 'json':
//   executables must be binary. 'json' is accepted: the executable still
//   receives the raw bytes; the setting only reaches the worker as
//   ENCODING_TYPE.
// - IsolationMode: the function's Environment.Execution, else
//   DefaultConfig.Execution, else GreengrassContainer.
// - MemorySize (KB): GreengrassContainer defaults to 16384 KB (the console's
//   default; Greengrass itself requires it). NoContainer: optional (Greengrass
//   forbids it there; we accept it and apply it as the cgroup limit). At
//   least 2048 KB, V2's minimum: below that a process cannot even start.
// - Pinned: default false; a pinned function runs exactly one instance.
// - RunAs: per field, the function's, else DefaultConfig's, else a default
//   that is never root (run-as.ts).
// - AccessSysfs (default false) and ResourceAccessPolicies on volumes and
//   devices (resources.ts) need GreengrassContainer mode: NoContainer
//   refuses them rather than silently giving the host's view.
// - The runtime: FunctionRuntimeOverride, else Nanolambda.Functions' Runtime,
//   else Greengrass's executable runtime (function-runtime.ts). Python and
//   Node.js functions give their handler as Executable, and their code as a
//   directory; a custom runtime runs its code's `bootstrap`.
// - EncodingType defaults to json for Python and Node.js (Greengrass's
//   default), binary otherwise.
// - Architectures (not Greengrass's; the Lambda API's name and shape): the
//   machine the executable is built for, default this machine's; another is
//   for C executables only, and an ELF executable for another architecture
//   than the declared one is refused here (function-architecture.ts).
import { EXECUTABLE_RUNTIME } from '../lambda/store/runtimes';
import { handlerProblem, runtimeKindOf, type RuntimeKind } from './function-runtime';
import { formatFunctionArn, isVersionNumber, parseFunctionArn } from '../registry/arn';
import { splitExecArgs } from './exec-args';
import { childPath, describe, Fields, type JsonObject } from './fields';
import { parseFunctionArchitecture } from './function-architecture';
import { functionCode } from './function-code';
import { DEFAULT_MAX_INSTANCES, DEFAULT_SETTINGS } from './function-settings';
import type { NanolambdaSection } from './nanolambda-section';
import { isReservedEnvName } from './reserved-env';
import { parseResourcePolicies, type ResourceTable } from './resources';
import { NO_RUN_AS, parseRunAs, resolveRunAs, type RunAsSetting } from './run-as';
import type { EncodingType, FunctionSpec, IsolationMode } from './types';

export const ID_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;
export const ID_RULE = '1-128 characters of [a-zA-Z0-9:_-]';
export const DEFAULT_TIMEOUT_S = 3;
export const MAX_TIMEOUT_S = 900;
export const DEFAULT_CONTAINER_MEMORY_KB = 16384;
export const MIN_MEMORY_KB = 2048;
export const MAX_MEMORY_KB = 1024 * 1024 * 1024; // 1 TiB: a bound, not a recommendation
const ISOLATION_MODES: readonly IsolationMode[] = ['GreengrassContainer', 'NoContainer'];
const ENCODINGS: readonly EncodingType[] = ['binary', 'json'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface FunctionContext {
  f: Fields;
  baseDir: string;
  local: NanolambdaSection;
  defaultIsolation: IsolationMode;
  /** DefaultConfig.Execution.RunAs as written. */
  defaultRunAs: RunAsSetting;
  /** The runtime process's own ids: the RunAs default when it is not root. */
  runtimeIds: { uid: number; gid: number };
  /** The group's resources; undefined without a ResourceDefinitionVersion. */
  resources: ResourceTable | undefined;
}

export function parseFunctionEntry(value: unknown, path: string, ctx: FunctionContext): FunctionSpec {
  const { f } = ctx;
  const entry = f.object(value, path);
  f.onlyKeys(entry, path, ['Id', 'FunctionArn', 'FunctionConfiguration']);
  const id = f.pattern(entry.Id, `${path}.Id`, ID_PATTERN, ID_RULE);

  const arnPath = `${path}.FunctionArn`;
  const arn = f.string(entry.FunctionArn, arnPath);
  let parsed;
  try {
    parsed = parseFunctionArn(arn);
  } catch (err) {
    throw f.error(arnPath, (err as Error).message);
  }
  if (parsed.region === '' || parsed.accountId === '') {
    throw f.error(arnPath, `expected a region and a 12-digit account (reserved ARNs are for system functions), found ${describe(arn)}`);
  }
  if (parsed.qualifier === undefined) {
    throw f.error(arnPath, `expected a qualified ARN (…:function:<name>:<version or alias>), found ${describe(arn)}`);
  }
  const unqualifiedArn = formatFunctionArn({ ...parsed, qualifier: undefined });

  const cfgPath = `${path}.FunctionConfiguration`;
  const cfg = f.object(entry.FunctionConfiguration, cfgPath);
  f.onlyKeys(cfg, cfgPath, [
    'Architectures',
    'EncodingType',
    'Environment',
    'ExecArgs',
    'Executable',
    'FunctionRuntimeOverride',
    'MemorySize',
    'Pinned',
    'Timeout',
  ]);
  const executable = f.pattern(cfg.Executable, `${cfgPath}.Executable`, /^\S+$/, 'the executable file name, or a handler (no spaces)');
  const settings = ctx.local.functions.get(arn) ?? DEFAULT_SETTINGS;
  const runtime = functionRuntime(cfg.FunctionRuntimeOverride, settings.runtime, cfgPath, childPath('Nanolambda.Functions', arn), f);
  if (runtime.kind === 'python' || runtime.kind === 'nodejs') {
    const problem = handlerProblem(executable);
    if (problem) throw f.error(`${cfgPath}.Executable`, `${runtime.id} takes a handler here, found ${describe(executable)}: ${problem}`);
  }
  // Greengrass's default is json; executables (and custom runtimes) take bytes as they come.
  const defaultEncoding: EncodingType = runtime.kind === 'python' || runtime.kind === 'nodejs' ? 'json' : 'binary';
  const encoding = cfg.EncodingType === undefined ? defaultEncoding : f.oneOf(cfg.EncodingType, `${cfgPath}.EncodingType`, ENCODINGS);
  const timeoutS =
    cfg.Timeout === undefined ? DEFAULT_TIMEOUT_S : f.integer(cfg.Timeout, `${cfgPath}.Timeout`, 1, MAX_TIMEOUT_S, 'seconds');
  const pinned = cfg.Pinned === undefined ? false : f.boolean(cfg.Pinned, `${cfgPath}.Pinned`);

  let execArgs: string[] = [];
  if (cfg.ExecArgs !== undefined) {
    const raw = f.string(cfg.ExecArgs, `${cfgPath}.ExecArgs`);
    try {
      execArgs = splitExecArgs(raw);
    } catch (err) {
      throw f.error(`${cfgPath}.ExecArgs`, `${(err as Error).message} in ${describe(raw)}`);
    }
  }

  const envPath = `${cfgPath}.Environment`;
  const env = parseEnvironment(cfg.Environment, envPath, f, ctx.local.allowFunctionsToRunAsRoot);
  const isolationMode = env.isolationMode ?? ctx.defaultIsolation;
  if (env.accessSysfs && isolationMode === 'NoContainer') {
    throw f.error(`${envPath}.AccessSysfs`, "AccessSysfs needs GreengrassContainer mode, and this function runs NoContainer (it sees the host's /sys anyway)");
  }
  const access = parseResourcePolicies(env.policies, `${envPath}.ResourceAccessPolicies`, f, ctx.resources, isolationMode);

  let memoryBytes: number | undefined;
  if (cfg.MemorySize !== undefined) {
    memoryBytes = f.integer(cfg.MemorySize, `${cfgPath}.MemorySize`, MIN_MEMORY_KB, MAX_MEMORY_KB, 'KB') * 1024;
  } else if (isolationMode === 'GreengrassContainer') {
    memoryBytes = DEFAULT_CONTAINER_MEMORY_KB * 1024;
  }

  const { codeRoot, file } = functionCode({ arn, path, cfgPath, executable, runtime, local: ctx.local, baseDir: ctx.baseDir }, f);
  const interpreted = runtime.kind === 'python' || runtime.kind === 'nodejs';
  const architecture = parseFunctionArchitecture(cfg.Architectures, cfgPath, runtime.id, interpreted ? undefined : file, f);

  const settingsKey = childPath('Nanolambda.Functions', arn);
  if (pinned && settings.maxInstances !== undefined && settings.maxInstances !== 1) {
    throw f.error(
      `${settingsKey}.MaxInstances`,
      `a pinned function runs exactly one instance, found ${settings.maxInstances}: remove it or set Pinned to false`,
    );
  }
  if (pinned && settings.minWarm > 0) {
    throw f.error(`${settingsKey}.MinWarm`, 'a pinned function always has its one worker started: MinWarm applies to on-demand functions only');
  }

  return {
    id,
    arn,
    unqualifiedArn,
    name: parsed.name,
    region: parsed.region,
    accountId: parsed.accountId,
    qualifier: parsed.qualifier,
    version: runningVersion(arn, parsed.qualifier, ctx.local.aliases),
    runtime: runtime.kind,
    runtimeId: runtime.id,
    handler: executable,
    executable: file,
    execArgs,
    architecture,
    encoding,
    pinned,
    timeoutMs: timeoutS * 1000,
    memoryBytes,
    isolationMode,
    environment: env.variables,
    maxInstances: pinned ? 1 : (settings.maxInstances ?? DEFAULT_MAX_INSTANCES),
    minWarm: settings.minWarm,
    maxIdleMs: settings.maxIdleMs,
    maxQueueSize: settings.maxQueueSize,
    async: {
      maxRetries: settings.maxRetries,
      maxEventAgeMs: settings.maxEventAgeMs,
      retryDelayMs: settings.retryDelayMs,
      onFailure: settings.onFailure,
    },
    systemLogLevel: settings.systemLogLevel,
    maxProcesses: settings.maxProcesses,
    cpuWeight: settings.cpuWeight,
    codeRoot,
    runAs: resolveRunAs(env.runAs, ctx.defaultRunAs, ctx.runtimeIds),
    supplementaryGids: access.supplementaryGids,
    secrets: access.secrets,
    accessSysfs: env.accessSysfs,
    volumes: access.volumes,
    devices: access.devices,
    maxOpenFiles: settings.maxOpenFiles,
    coreFileBytes: settings.coreFileBytes,
    tmpBytes: settings.tmpBytes,
  };
}

/**
 * The version an entry runs: its qualifier when that is a version or
 * $LATEST; for an alias, Nanolambda.Aliases' version, or '$LATEST' when the
 * alias is not mapped (the local code is whatever is on disk, which is what
 * Lambda calls $LATEST).
 */
function runningVersion(arn: string, qualifier: string, aliases: ReadonlyMap<string, string>): string {
  if (qualifier === '$LATEST' || isVersionNumber(qualifier)) return qualifier;
  return aliases.get(arn) ?? '$LATEST';
}

interface EnvironmentSettings {
  variables: Record<string, string>;
  isolationMode: IsolationMode | undefined;
  runAs: RunAsSetting;
  accessSysfs: boolean;
  /** ResourceAccessPolicies as written: checked once the isolation mode is known. */
  policies: unknown;
}

function parseEnvironment(value: unknown, path: string, f: Fields, allowRoot: boolean): EnvironmentSettings {
  const variables: Record<string, string> = {};
  if (value === undefined) return { variables, isolationMode: undefined, runAs: NO_RUN_AS, accessSysfs: false, policies: undefined };
  const env = f.object(value, path);
  f.onlyKeys(env, path, ['AccessSysfs', 'Execution', 'ResourceAccessPolicies', 'Variables']);
  const accessSysfs = env.AccessSysfs === undefined ? false : f.boolean(env.AccessSysfs, `${path}.AccessSysfs`);
  if (env.Variables !== undefined) {
    const vars = f.object(env.Variables, `${path}.Variables`);
    for (const [name, v] of Object.entries(vars)) {
      const p = childPath(`${path}.Variables`, name);
      if (!ENV_NAME.test(name)) throw f.error(p, `expected a variable name of [A-Za-z0-9_] not starting with a digit`);
      if (isReservedEnvName(name)) throw f.error(p, `${name} is reserved: the runtime sets it for every function`);
      const s = f.string(v, p);
      if (s.includes('\0')) throw f.error(p, 'a value cannot contain a NUL character');
      variables[name] = s;
    }
  }
  const execution = env.Execution === undefined ? NO_EXECUTION : parseExecution(env.Execution, `${path}.Execution`, f, allowRoot);
  return { variables, ...execution, accessSysfs, policies: env.ResourceAccessPolicies };
}

export interface ExecutionSettings {
  isolationMode: IsolationMode | undefined;
  runAs: RunAsSetting;
}

export const NO_EXECUTION: Readonly<ExecutionSettings> = Object.freeze({ isolationMode: undefined, runAs: NO_RUN_AS });

/**
 * `{IsolationMode?, RunAs?:{Uid?, Gid?}}`, used by both the function and
 * DefaultConfig. RunAs Uid/Gid 0 is refused unless `allowRoot`.
 */
export function parseExecution(value: unknown, path: string, f: Fields, allowRoot: boolean): ExecutionSettings {
  const ex: JsonObject = f.object(value, path);
  f.onlyKeys(ex, path, ['IsolationMode', 'RunAs']);
  const runAs = ex.RunAs === undefined ? NO_RUN_AS : parseRunAs(ex.RunAs, `${path}.RunAs`, f, allowRoot);
  const isolationMode = ex.IsolationMode === undefined ? undefined : f.oneOf(ex.IsolationMode, `${path}.IsolationMode`, ISOLATION_MODES);
  return { isolationMode, runAs };
}

/** The entry's runtime: FunctionRuntimeOverride, else Nanolambda.Functions' Runtime, else the executable runtime. */
function functionRuntime(override: unknown, setting: string | undefined, cfgPath: string, settingsPath: string, f: Fields): { kind: RuntimeKind; id: string } {
  const [id, where] =
    override !== undefined
      ? [f.pattern(override, `${cfgPath}.FunctionRuntimeOverride`, /^\S+$/, 'a Lambda runtime identifier, like "python3.11"'), `${cfgPath}.FunctionRuntimeOverride`]
      : setting !== undefined
        ? [setting, `${settingsPath}.Runtime`]
        : [EXECUTABLE_RUNTIME, ''];
  const kind = runtimeKindOf(id);
  if (typeof kind !== 'string') throw f.error(where, kind.unsupported);
  return { kind, id };
}
