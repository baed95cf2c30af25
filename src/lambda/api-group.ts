// The functions created through the Lambda API, as group entries the runtime
// runs beside the group file's: one entry per version ($LATEST and each
// published one), and each alias as the group's Aliases map has them
// (<function ARN>:<alias> -> version), so the registry resolves names and
// qualifiers for both alike.
//
// What runs: C executables (Runtime arn:aws:greengrass:::runtime/function/
// executable, Handler = the executable's path in the zip), Python 3 and
// Node.js handlers, and custom runtimes (the zip's bootstrap). Other runtimes
// (Java, .NET, Ruby) are stored and listed; their entries are left out, and
// invoking them says why (see unrunnableReason). So are functions of an
// architecture this machine cannot run now (created while a qemu-user
// handler was registered, which has since been removed).
//
// Decisions: Lambda-style MemorySize is in MB; functions run in
// GreengrassContainer mode (their code lives in the state directory, which
// only the runtime may enter, and a container shows it at /lambda) with
// MemorySize as their memory limit, where the machine can give them; where
// it cannot (not root, no memory cgroup) they run with what it can give,
// rather than make every later API call fail its deployment. Every other
// setting is the group defaults'.
import path from 'node:path';
import { DEFAULT_SETTINGS, DEFAULT_MAX_INSTANCES } from '../config/function-settings';
import { NO_RUN_AS, resolveRunAs, runtimeIds } from '../config/run-as';
import type { FunctionSpec } from '../config/types';
import { parseFunctionArn } from '../registry/arn';
import { packageDir } from './package';
import type { FunctionConfiguration } from './store/configuration';
import type { FunctionStore } from './store/function-store';
import { runtimeKindOf } from '../config/function-runtime';
import { architectureProblem } from '../isolation/function-architecture';

export interface ApiGroup {
  functions: FunctionSpec[];
  /** Alias ARN -> version, as GroupConfig.aliases. */
  aliases: Map<string, string>;
}

/** What the machine gives API functions (the runtime's MachineIsolation, in short). */
export interface ApiIsolation {
  containers: boolean;
  memoryLimits: boolean;
}

/** Every version of every stored function that can run, and every alias. */
export function apiGroup(store: FunctionStore, codeDir: string, isolation: ApiIsolation): ApiGroup {
  const functions: FunctionSpec[] = [];
  const aliases = new Map<string, string>();
  for (const latest of allPages((marker) => store.listFunctions(marker), (page) => page.Functions)) {
    const versions = allPages((marker) => store.listVersionsByFunction(latest.FunctionName, marker), (page) => page.Versions);
    for (const config of versions) {
      const spec = entryOf(config, codeDir, isolation);
      if (spec !== undefined) functions.push(spec);
    }
    for (const alias of allPages((marker) => store.listAliases(latest.FunctionName, { marker }), (page) => page.Aliases)) {
      aliases.set(alias.AliasArn, alias.FunctionVersion);
    }
  }
  return { functions, aliases };
}

/**
 * Why a stored function cannot be invoked here, or undefined when it can.
 * With the package store's directory, its executable is read too (a static
 * one runs emulated without the cross sysroot).
 */
export function unrunnableReason(
  config: Pick<FunctionConfiguration, 'Runtime' | 'FunctionName' | 'Architectures' | 'Environment' | 'Handler' | 'CodeSha256'>,
  codeDir?: string,
): string | undefined {
  const kind = runtimeKindOf(config.Runtime);
  if (typeof kind !== 'string') return `${config.FunctionName} has Runtime ${config.Runtime}: ${kind.unsupported}`;
  const architecture = config.Architectures[0]!;
  const executable = codeDir === undefined ? undefined : apiExecutable(config.Runtime, config.Handler, codeDir, config.CodeSha256);
  const problem = architectureProblem(architecture, { runtime: config.Runtime, environment: config.Environment?.Variables, executable });
  return problem === undefined ? undefined : `${config.FunctionName} has Architectures ["${architecture}"], and ${problem}`;
}

/**
 * The file a stored C executable or custom runtime function execs: its
 * Handler, or its bootstrap, in its package; undefined for Python and
 * Node.js (they run this machine's programs), when the package is gone, or
 * when the Handler names nothing inside it (../x).
 */
export function apiExecutable(runtime: string, handler: string, codeDir: string, codeSha256: string): string | undefined {
  const kind = runtimeKindOf(runtime);
  if (kind !== 'executable' && kind !== 'provided') return undefined;
  const root = packageDir(codeDir, codeSha256);
  if (root === undefined) return undefined;
  const executable = path.join(root, kind === 'provided' ? 'bootstrap' : handler);
  return executable.startsWith(`${root}${path.sep}`) ? executable : undefined;
}

function entryOf(config: FunctionConfiguration, codeDir: string, isolation: ApiIsolation): FunctionSpec | undefined {
  const kind = runtimeKindOf(config.Runtime);
  if (typeof kind !== 'string' || unrunnableReason(config, codeDir) !== undefined) return undefined;
  const root = packageDir(codeDir, config.CodeSha256);
  if (root === undefined) return undefined; // its package is gone: invoking says "not found"
  // Python and Node.js load their handler from the code; a custom runtime runs its bootstrap; an executable is its Handler.
  const executable = kind === 'python' || kind === 'nodejs' ? root : apiExecutable(config.Runtime, config.Handler, codeDir, config.CodeSha256);
  if (executable === undefined) return undefined; // a Handler like ../x names nothing in the package
  const arn = parseFunctionArn(config.FunctionArn);
  const unqualifiedArn = `arn:aws:lambda:${arn.region}:${arn.accountId}:function:${config.FunctionName}`;
  const version = config.Version;
  return {
    // Group ids allow [a-zA-Z0-9:_-]: $LATEST is spelled without its $.
    id: `api:${config.FunctionName}:${version === '$LATEST' ? 'LATEST' : version}`,
    arn: `${unqualifiedArn}:${version}`,
    unqualifiedArn,
    name: config.FunctionName,
    region: arn.region,
    accountId: arn.accountId,
    qualifier: version,
    version,
    runtime: kind,
    runtimeId: config.Runtime,
    handler: config.Handler,
    executable,
    execArgs: [],
    architecture: config.Architectures[0]!,
    // Lambda's Python and Node.js runtimes hand handlers JSON; executables and bootstraps take bytes.
    encoding: kind === 'python' || kind === 'nodejs' ? 'json' : 'binary',
    pinned: false,
    timeoutMs: config.Timeout * 1000,
    memoryBytes: isolation.memoryLimits ? config.MemorySize * 1024 * 1024 : undefined,
    isolationMode: isolation.containers ? 'GreengrassContainer' : 'NoContainer',
    environment: config.Environment?.Variables ?? {},
    maxInstances: DEFAULT_MAX_INSTANCES,
    minWarm: DEFAULT_SETTINGS.minWarm,
    maxIdleMs: DEFAULT_SETTINGS.maxIdleMs,
    maxQueueSize: DEFAULT_SETTINGS.maxQueueSize,
    async: {
      maxRetries: DEFAULT_SETTINGS.maxRetries,
      maxEventAgeMs: DEFAULT_SETTINGS.maxEventAgeMs,
      retryDelayMs: DEFAULT_SETTINGS.retryDelayMs,
      onFailure: undefined,
    },
    systemLogLevel: DEFAULT_SETTINGS.systemLogLevel,
    maxProcesses: DEFAULT_SETTINGS.maxProcesses,
    cpuWeight: DEFAULT_SETTINGS.cpuWeight,
    codeRoot: root,
    runAs: resolveRunAs(NO_RUN_AS, NO_RUN_AS, runtimeIds()),
    supplementaryGids: [],
    secrets: [],
    accessSysfs: false,
    volumes: [],
    devices: [],
    maxOpenFiles: DEFAULT_SETTINGS.maxOpenFiles,
    coreFileBytes: DEFAULT_SETTINGS.coreFileBytes,
    tmpBytes: DEFAULT_SETTINGS.tmpBytes,
  };
}

function allPages<P extends { NextMarker?: string }, T>(page: (marker: string | undefined) => P, items: (p: P) => T[]): T[] {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const p = page(marker);
    all.push(...items(p));
    marker = p.NextMarker;
  } while (marker);
  return all;
}
