// Lambda's function-level writes: CreateFunction, UpdateFunctionCode,
// UpdateFunctionConfiguration and DeleteFunction. Each checks its request
// first, then applies it as one transaction. Before $LATEST's code or
// architecture changes, the store's owner is asked whether this machine can
// run the new pair (admit), inside that transaction, so a refusal stores
// nothing.
import { renderConfiguration } from './configuration';
import type { FunctionConfiguration } from './configuration';
import { asBody, readCodeArchitecture, readCreateFields, readFieldsPatch, type FunctionFields } from './function-fields';
import { isVersionNumber, parseNewFunctionName } from './function-name';
import { conflict, functionNotFound, invalidParameter, revisionMismatch } from './lambda-api-error';
import { readRevisionId } from './alias-input';
import { checkCode, fieldsOf, latestRow, readFlag, versionNumber } from './rows';
import type { StoreCore } from './store-core';
import type { CodeInfo, FunctionCandidate, UpdateCodeOptions } from './store-types';
import { Violations } from './violations';

/** What the function writes need from the store's options, resolved. */
export interface FunctionWriteRules {
  /** The architecture of a function whose request names none. */
  defaultArchitecture: string;
  /** FunctionStoreOptions.admit, or one that admits everything. */
  admit: (candidate: FunctionCandidate) => void;
}

/**
 * CreateFunction. `input` is the request body (Code aside: the package store
 * took Code.ZipFile and measured it as `code`). Returns $LATEST's
 * configuration, or version 1's when Publish is true.
 */
export function createFunction(core: StoreCore, rules: FunctionWriteRules, input: unknown, code: CodeInfo): FunctionConfiguration {
  const body = asBody(input, 'CreateFunction');
  const parsed = parseNewFunctionName(body.FunctionName);
  core.checkPlace(parsed);
  const fields = readCreateFields(body, rules.defaultArchitecture);
  const publish = readFlag(body.Publish, 'publish');
  checkCode(code);
  const name = parsed.name;
  return core.write(() => {
    if (core.sql.functionByName.get(name)) throw conflict(`Function already exist: ${name}`);
    rules.admit(candidate(name, fields, code.sha256));
    core.sql.insertFunction.run(name, 1);
    const latest = latestRow(name, fields, code);
    core.sql.insertVersion.run(latest);
    if (publish) return core.publishLocked(name, {});
    return renderConfiguration(latest, core.place, undefined);
  });
}

/**
 * UpdateFunctionCode: new code for $LATEST, of the architecture
 * `options.architectures` names (else the function's own), then a version
 * when `publish`.
 */
export function updateFunctionCode(
  core: StoreCore,
  rules: FunctionWriteRules,
  nameOrArn: string,
  code: CodeInfo,
  options: UpdateCodeOptions,
): FunctionConfiguration {
  const name = core.unqualifiedTarget(nameOrArn, 'UpdateFunctionCode');
  const violations = new Violations();
  const revisionId = readRevisionId(options.revisionId, violations);
  violations.throwIfAny();
  const architecture = readCodeArchitecture(options.architectures);
  const publish = readFlag(options.publish, 'publish');
  checkCode(code);
  return core.write(() => {
    const current = core.latestOf(name);
    if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
    const fields = { ...fieldsOf(current), architecture: architecture ?? current.architecture };
    rules.admit(candidate(name, fields, code.sha256));
    const updated = latestRow(name, fields, code);
    core.sql.updateLatest.run(updated);
    if (publish) return core.publishLocked(name, {});
    return renderConfiguration(updated, core.place, undefined);
  });
}

/**
 * UpdateFunctionConfiguration: only the fields in `patch` change;
 * Environment replaces the whole map. RevisionId is checked when given.
 * Architectures is taken too (a nanolambda extension: on Lambda it comes
 * with new code), and admitted with the function's code.
 */
export function updateFunctionConfiguration(core: StoreCore, rules: FunctionWriteRules, nameOrArn: string, patch: unknown): FunctionConfiguration {
  const name = core.unqualifiedTarget(nameOrArn, 'UpdateFunctionConfiguration');
  const body = asBody(patch, 'UpdateFunctionConfiguration');
  const violations = new Violations();
  const revisionId = readRevisionId(body.RevisionId, violations);
  violations.throwIfAny();
  const changes = readFieldsPatch(body);
  return core.write(() => {
    const current = core.latestOf(name);
    if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
    const sameCode = { sha256: current.code_sha256, size: current.code_size };
    const fields = { ...fieldsOf(current), ...changes };
    // What admit judges: the architecture, the runtime and handler (what runs), and the one variable that changes how an emulated function runs.
    const judged = (f: FunctionFields): string =>
      JSON.stringify([f.architecture, f.runtime, f.handler, f.environment.QEMU_LD_PREFIX ?? null]);
    if (judged(fields) !== judged(fieldsOf(current))) rules.admit(candidate(name, fields, sameCode.sha256));
    const updated = latestRow(name, fields, sameCode);
    core.sql.updateLatest.run(updated);
    return renderConfiguration(updated, core.place, undefined);
  });
}

/**
 * DeleteFunction. Unqualified: the function with all its versions and
 * aliases. With a version number: that version, refused while an alias
 * points at it; a version that does not exist is no error (as on Lambda).
 */
export function deleteFunction(core: StoreCore, nameOrArn: string, qualifier?: string): void {
  const target = core.target(nameOrArn, qualifier);
  const q = target.qualifier;
  if (q === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
  if (q !== undefined && !isVersionNumber(q)) throw invalidParameter('Deletion of aliases is not currently supported.');
  const name = target.name;
  core.write(() => {
    if (!core.sql.functionByName.get(name)) throw functionNotFound(core.arn(name));
    if (q === undefined) {
      core.sql.deleteAliases.run(name);
      core.sql.deleteVersions.run(name);
      core.sql.deleteFunction.run(name);
      return;
    }
    const aliases = core.sql.aliasesOfVersion.all(name, q, q);
    if (aliases.length > 0) {
      throw conflict(`Unable to delete version because the following aliases reference it: [${aliases.join(', ')}]`);
    }
    const n = versionNumber(q);
    if (n !== undefined) core.sql.deleteVersion.run(name, n);
  });
}

function candidate(functionName: string, fields: FunctionFields, codeSha256: string): FunctionCandidate {
  const { architecture, runtime, handler, environment } = fields;
  return { functionName, architecture, codeSha256, runtime, handler, environment };
}
