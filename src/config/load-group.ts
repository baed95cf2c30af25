// Load a Greengrass V1 group definition (as the Greengrass API exports it)
// plus its `Nanolambda` section into the runtime's validated GroupConfig.
//
// Accepted top level:
//   FunctionDefinitionVersion      required; bare {DefaultConfig?, Functions}
//                                  or get-function-definition-version output {Arn, ..., Definition:{...}}
//   SubscriptionDefinitionVersion  optional (no subscriptions: nothing is routed); same two shapes
//   ResourceDefinitionVersion      optional; same two shapes: local volumes and devices the
//                                  functions' ResourceAccessPolicies name (see resources.ts)
//   DeviceDefinitionVersion        optional; same two shapes: the client devices (see devices.ts)
//   Nanolambda                     required: see nanolambda-section.ts
// Other top-level keys (Core/Logger/... definition versions of a full
// export) are ignored. Every problem is a ConfigError naming the file, the
// JSON path and the reason. Once the functions are parsed, no container
// function's code or volume may expose what containers must not see
// (container-exposure.ts).
import path from 'node:path';
import { FunctionRegistry } from '../registry/registry';
import { parseFunctionArn } from '../registry/arn';
import { checkContainerExposure } from './container-exposure';
import { parseDevices } from './devices';
import { privateFiles } from './private-files';
import { childPath, describe, Fields, type JsonObject } from './fields';
import { NO_EXECUTION, parseExecution, parseFunctionEntry, type ExecutionSettings } from './function-entry';
import { readJsonFile } from './json-file';
import { parseNanolambdaSection, type NanolambdaSection } from './nanolambda-section';
import { checkPathCharacters, parseResources, type ResourceTable } from './resources';
import { runtimeIds } from './run-as';
import { checkSecrets } from '../secrets/secrets-config';
import { checkEventSourceFunctions } from '../event-sources/event-sources-section';
import { parseSubscriptions } from './subscriptions';
import type { FunctionSpec, GroupConfig } from './types';

/** Read, parse and validate a group file. Throws ConfigError (code CONFIG_INVALID). */
export function loadGroupFile(file: string): GroupConfig {
  const abs = path.resolve(file);
  return parseGroup(readJsonFile(abs), abs, path.dirname(abs));
}

/**
 * Validate a parsed group definition. `file` names it in errors and in
 * GroupConfig.file; relative paths in it are resolved against `baseDir`.
 */
export function parseGroup(json: unknown, file: string, baseDir: string): GroupConfig {
  const f = new Fields(file);
  // Its path reaches the launcher among the paths containers hide.
  checkPathCharacters(file, '', f);
  const root = f.object(json, '');
  const local = parseNanolambdaSection(root.Nanolambda, f, baseDir);

  // Before the functions: their ResourceAccessPolicies name these.
  let resources: ResourceTable | undefined;
  if (root.ResourceDefinitionVersion !== undefined) {
    const rdv = unwrapVersion(root.ResourceDefinitionVersion, 'ResourceDefinitionVersion', f);
    resources = parseResources(rdv.body, rdv.path, f, local.allowFunctionsToRunAsRoot);
  }

  if (root.FunctionDefinitionVersion === undefined) {
    throw f.error('FunctionDefinitionVersion', 'missing: the group needs a function definition version {"Functions": [...]}');
  }
  const fdv = unwrapVersion(root.FunctionDefinitionVersion, 'FunctionDefinitionVersion', f);
  f.onlyKeys(fdv.body, fdv.path, ['DefaultConfig', 'Functions']);
  const defaults = parseDefaultConfig(fdv.body.DefaultConfig, `${fdv.path}.DefaultConfig`, f, local.allowFunctionsToRunAsRoot);
  const ids = runtimeIds();

  const functionsPath = `${fdv.path}.Functions`;
  const functions: FunctionSpec[] = [];
  const entries: Array<{ raw: JsonObject; path: string }> = [];
  const byId = new Map<string, number>();
  const byArn = new Map<string, number>();
  f.array(fdv.body.Functions, functionsPath).forEach((item, i) => {
    const p = `${functionsPath}[${i}]`;
    // Duplicates first: a duplicated ARN would otherwise surface as a
    // confusing code-path error for the second entry.
    const raw = (typeof item === 'object' && item !== null ? item : {}) as JsonObject;
    checkUnique(raw.Id, byId, `${p}.Id`, 'Id', functionsPath, f);
    checkUnique(raw.FunctionArn, byArn, `${p}.FunctionArn`, 'FunctionArn', functionsPath, f);
    const fn = parseFunctionEntry(item, p, {
      f,
      baseDir,
      local,
      defaultIsolation: defaults.isolationMode ?? 'GreengrassContainer',
      defaultRunAs: defaults.runAs,
      runtimeIds: ids,
      resources,
    });
    byId.set(fn.id, i);
    byArn.set(fn.arn, i);
    functions.push(fn);
    entries.push({ raw, path: p });
  });

  checkKeysAreFunctions(local.code, 'Nanolambda.Code', byArn, f);
  checkKeysAreFunctions(local.functions, 'Nanolambda.Functions', byArn, f);
  checkAliases(local, functions, f);
  checkWarmFits(functions, local.maxConcurrentWorkers, f);
  const secrets = checkSecrets(local.secrets, resources, { keyFile: local.secretKeyFile, stateDir: local.stateDir }, f);
  checkContainerExposure(
    {
      functions,
      stateDir: local.stateDir,
      logDir: local.logDir,
      // loadGroupFile gives an absolute path; other callers may give a label.
      groupFile: path.isAbsolute(file) ? file : undefined,
      privateFiles: privateFiles({ secretKeyFile: local.secretKeyFile, secrets, mqtt: local.mqtt, cloud: local.cloud }),
      policyPath: (i, resourceId) => policyPath(entries[i]!, resourceId),
    },
    f,
  );

  const registry = new FunctionRegistry({ functions, aliases: local.aliases });
  let subscriptions: GroupConfig['subscriptions'] = [];
  if (root.SubscriptionDefinitionVersion !== undefined) {
    const sdv = unwrapVersion(root.SubscriptionDefinitionVersion, 'SubscriptionDefinitionVersion', f);
    f.onlyKeys(sdv.body, sdv.path, ['Subscriptions']);
    subscriptions = parseSubscriptions(sdv.body.Subscriptions, `${sdv.path}.Subscriptions`, f, registry);
  }
  checkEventSourceFunctions(local.eventSources, registry, f);
  let devices: GroupConfig['devices'] = [];
  if (root.DeviceDefinitionVersion !== undefined) {
    const ddv = unwrapVersion(root.DeviceDefinitionVersion, 'DeviceDefinitionVersion', f);
    devices = parseDevices(ddv.body, ddv.path, f);
  }
  return {
    file,
    functions,
    subscriptions,
    devices,
    logLevel: local.logLevel,
    maxMessageBytes: local.maxMessageBytes,
    mqtt: local.mqtt,
    cloud: local.cloud,
    eventSources: local.eventSources,
    secrets,
    secretKeyFile: local.secretKeyFile,
    aliases: local.aliases,
    http: local.http,
    httpAuth: local.httpAuth,
    logDir: local.logDir,
    logRotation: local.logRotation,
    stateDir: local.stateDir,
    maxConcurrentWorkers: local.maxConcurrentWorkers,
    shutdownGraceMs: local.shutdownGraceMs,
    allowFunctionsToRunAsRoot: local.allowFunctionsToRunAsRoot,
    allowIsolationFallback: local.allowIsolationFallback,
    ipcPort: local.ipcPort,
  };
}

/** JSON path of the (validated) policy of a function entry on `resourceId`. */
function policyPath(entry: { raw: JsonObject; path: string }, resourceId: string): string {
  const env = (entry.raw.FunctionConfiguration as JsonObject).Environment as JsonObject;
  const index = (env.ResourceAccessPolicies as JsonObject[]).findIndex((policy) => policy.ResourceId === resourceId);
  return `${entry.path}.FunctionConfiguration.Environment.ResourceAccessPolicies[${index}]`;
}

function checkUnique(value: unknown, seen: ReadonlyMap<string, number>, p: string, what: string, listPath: string, f: Fields): void {
  if (typeof value !== 'string') return; // the entry's own parse reports the type
  const earlier = seen.get(value);
  if (earlier !== undefined) throw f.error(p, `duplicate ${what} ${describe(value)}: ${listPath}[${earlier}] has it too`);
}

/** The bare version body, whether given bare or wrapped in a get-*-definition-version answer. */
function unwrapVersion(value: unknown, p: string, f: Fields): { body: JsonObject; path: string } {
  const obj = f.object(value, p);
  if ('Definition' in obj) return { body: f.object(obj.Definition, `${p}.Definition`), path: `${p}.Definition` };
  return { body: obj, path: p };
}

function parseDefaultConfig(value: unknown, p: string, f: Fields, allowRoot: boolean): ExecutionSettings {
  if (value === undefined) return NO_EXECUTION;
  const obj = f.object(value, p);
  f.onlyKeys(obj, p, ['Execution']);
  return obj.Execution === undefined ? NO_EXECUTION : parseExecution(obj.Execution, `${p}.Execution`, f, allowRoot);
}

/** A key naming no function is a typo: say so instead of ignoring it. */
function checkKeysAreFunctions(map: ReadonlyMap<string, unknown>, p: string, byArn: ReadonlyMap<string, number>, f: Fields): void {
  for (const arn of map.keys()) {
    if (!byArn.has(arn)) {
      throw f.error(childPath(p, arn), 'no function in FunctionDefinitionVersion has this FunctionArn (keys must match it exactly)');
    }
  }
}

/** MinWarm workers all hold runtime-wide slots from the start: they must fit. */
function checkWarmFits(functions: readonly FunctionSpec[], maxConcurrentWorkers: number, f: Fields): void {
  const warm = functions.reduce((sum, fn) => sum + fn.minWarm, 0);
  if (warm > maxConcurrentWorkers) {
    throw f.error(
      'Nanolambda.Runtime.MaxConcurrentWorkers',
      `the functions' MinWarm add up to ${warm} workers, more than MaxConcurrentWorkers (${maxConcurrentWorkers}): raise it or lower MinWarm`,
    );
  }
}

/**
 * Each alias ARN must name an alias of a function of the group, and its
 * version must be runnable: the group has the alias's own entry, or an entry
 * for that version (qualified by it or running it).
 */
function checkAliases(local: NanolambdaSection, functions: readonly FunctionSpec[], f: Fields): void {
  for (const [aliasArn, version] of local.aliases) {
    const p = childPath('Nanolambda.Aliases', aliasArn);
    let parsed;
    try {
      parsed = parseFunctionArn(aliasArn);
    } catch (err) {
      throw f.error(p, (err as Error).message);
    }
    const q = parsed.qualifier;
    if (q === undefined || q === '$LATEST' || /^[0-9]+$/.test(q)) {
      throw f.error(p, `expected an alias ARN (…:function:<name>:<alias>, the alias not all digits), found ${describe(aliasArn)}`);
    }
    const entries = functions.filter((fn) => fn.unqualifiedArn === aliasArn.slice(0, aliasArn.length - q.length - 1));
    if (entries.length === 0) throw f.error(p, `no function ${parsed.name} in FunctionDefinitionVersion has this ARN's region and account`);
    if (entries.some((e) => e.qualifier === q || e.qualifier === version || e.version === version)) continue;
    throw f.error(
      p,
      `the alias points to version ${version}, but the group has no entry for it (entries of ${parsed.name}: ${entries.map((e) => e.qualifier).join(', ')})`,
    );
  }
}
