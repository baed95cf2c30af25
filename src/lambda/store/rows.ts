// Rows as the store writes them, and the small checks on what its callers
// pass in that are not part of a request body.
import { randomUUID } from 'node:crypto';
import type { Routing } from './alias-input';
import { lambdaTimestamp } from './configuration';
import type { AliasRow, VersionRow } from './configuration';
import type { FunctionFields } from './function-fields';
import type { CodeInfo } from './store-types';
import { Violations } from './violations';

/** $LATEST is stored as version 0: it sorts first, before 1..N. */
export const LATEST = 0;

/** A row for $LATEST with these settings and code, stamped now. */
export function latestRow(name: string, fields: FunctionFields, code: CodeInfo): VersionRow {
  return {
    function_name: name,
    version: LATEST,
    runtime: fields.runtime,
    role: fields.role,
    handler: fields.handler,
    description: fields.description,
    timeout: fields.timeout,
    memory_size: fields.memorySize,
    environment: JSON.stringify(fields.environment),
    architecture: fields.architecture,
    code_sha256: code.sha256,
    code_size: code.size,
    last_modified: lambdaTimestamp(),
    revision_id: randomUUID(),
    fingerprint: fingerprint(fields, code.sha256),
  };
}

/** A row's settings. */
export function fieldsOf(row: VersionRow): FunctionFields {
  return {
    runtime: row.runtime,
    role: row.role,
    handler: row.handler,
    description: row.description,
    timeout: row.timeout,
    memorySize: row.memory_size,
    environment: JSON.parse(row.environment) as Record<string, string>,
    architecture: row.architecture,
  };
}

/**
 * Code and settings in a canonical form: equal exactly when a version
 * published from them would be the same (the "unchanged since the last
 * publish" test). Variables are sorted: their order means nothing.
 */
function fingerprint(fields: FunctionFields, codeSha256: string): string {
  // The architecture is last: schemaOneFingerprintWith appends it to a fingerprint schema 1 wrote.
  const variables = Object.keys(fields.environment)
    .sort()
    .map((key) => [key, fields.environment[key]]);
  return JSON.stringify([
    codeSha256,
    fields.runtime,
    fields.role,
    fields.handler,
    fields.description,
    fields.timeout,
    fields.memorySize,
    variables,
    fields.architecture,
  ]);
}

/**
 * The fingerprint a schema 1 row would have had with `architecture`: schema
 * 1 wrote the same list without it. Appended rather than recomputed from the
 * row: a published version keeps the fingerprint of the $LATEST it was
 * published from, whose Description may differ from its own.
 */
export function schemaOneFingerprintWith(schemaOneFingerprint: string, architecture: string): string {
  const members = JSON.parse(schemaOneFingerprint) as unknown[];
  return JSON.stringify([...members, architecture]);
}

export function aliasRow(
  name: string,
  alias: string,
  functionVersion: string,
  description: string,
  routing: Routing | null,
): AliasRow {
  return {
    function_name: name,
    name: alias,
    function_version: functionVersion,
    description,
    additional_version: routing?.version ?? null,
    additional_weight: routing?.weight ?? null,
    revision_id: randomUUID(),
  };
}

/** A published version's number from its text; undefined for '0', '01' and the like (no such version). */
export function versionNumber(text: string): number | undefined {
  if (!/^[1-9][0-9]*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function readFlag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  const violations = new Violations();
  violations.add(value, field, 'Member must be a boolean');
  violations.throwIfAny();
  return false;
}

/** The package store's measurements: a programming error, not a user's, when malformed. */
export function checkCode(code: CodeInfo): void {
  if (
    typeof code !== 'object' ||
    code === null ||
    typeof code.sha256 !== 'string' ||
    code.sha256.length === 0 ||
    !Number.isSafeInteger(code.size) ||
    code.size < 0
  ) {
    throw new TypeError('FunctionStore: code must be { sha256: base64 CodeSha256, size: bytes of the zip }');
  }
}
