// What every FunctionStore operation stands on: the open lambda.db with its
// prepared statements, one transaction per write (a refusal of the disk
// becoming STORAGE_FAILED), the parsing of the function a request names,
// the lookups that answer Lambda's 404s, and publishing $LATEST as a
// version, which CreateFunction and UpdateFunctionCode do too (Publish).
// FunctionStore (the public API) and function-writes.ts share it.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../../errors';
import { lambdaTimestamp, renderConfiguration, versionName } from './configuration';
import type { AliasRow, FunctionConfiguration, StorePlace, VersionRow } from './configuration';
import { effectiveQualifier, functionArn, isVersionNumber, parseFunctionName } from './function-name';
import type { ParsedFunctionName } from './function-name';
import { functionNotFound, invalidParameter, LambdaApiError, notFound, revisionMismatch } from './lambda-api-error';
import { LATEST, versionNumber } from './rows';
import { Statements } from './statements';
import type { FunctionRow } from './statements';
import type { PublishOptions } from './store-types';

export class StoreCore {
  readonly sql: Statements;
  private readonly transaction: (work: () => unknown) => unknown;
  private closed = false;

  /** Over `db`, already migrated; `file` names it in errors. */
  constructor(
    readonly file: string,
    readonly place: StorePlace,
    private readonly db: Database.Database,
  ) {
    this.sql = new Statements(db);
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  checkOpen(): void {
    if (this.closed) throw new NanolambdaError('RUNTIME_STOPPED', `the function store ${this.file} is closed`);
  }

  /** Run `work` as one transaction; a refusal of the disk becomes STORAGE_FAILED. */
  write<T>(work: () => T): T {
    this.checkOpen();
    try {
      return this.transaction(work) as T;
    } catch (error) {
      if (LambdaApiError.isLambdaApiError(error)) throw error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_')) {
        throw new NanolambdaError(
          'STORAGE_FAILED',
          `the function store ${this.file} refused a write: ${(error as Error).message}; ` +
            'free space on its file system or check the state directory, then retry',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Parse a FunctionName (+ Qualifier) and check it names this region and account. */
  target(nameOrArn: string, qualifier: string | undefined): { name: string; qualifier: string | undefined } {
    this.checkOpen();
    const parsed = parseFunctionName(nameOrArn);
    const q = effectiveQualifier(parsed, qualifier);
    this.checkPlace(parsed, q);
    return { name: parsed.name, qualifier: q };
  }

  /** The function name for operations on the function itself (a `:$LATEST` suffix is tolerated). */
  unqualifiedTarget(nameOrArn: string, operation: string): string {
    const target = this.target(nameOrArn, undefined);
    if (target.qualifier !== undefined && target.qualifier !== '$LATEST') {
      throw invalidParameter(
        `The function name '${nameOrArn}' ends in a qualifier (':${target.qualifier}'), but ${operation} acts on the ` +
          `function itself: pass its name or unqualified ARN ('${target.name}')`,
      );
    }
    return target.name;
  }

  /** An ARN of another region or account names a function this store cannot have. */
  checkPlace(parsed: ParsedFunctionName, qualifier?: string): void {
    const { region, accountId } = this.place;
    if (parsed.region !== undefined && parsed.region !== region) {
      throw notFound(`Functions from '${parsed.region}' are not reachable in this region ('${region}')`);
    }
    if (parsed.accountId !== undefined && parsed.accountId !== accountId) {
      throw functionNotFound(functionArn(parsed.region ?? region, parsed.accountId, parsed.name, qualifier));
    }
  }

  /** The row a qualifier names (and the alias, when it is one), or Lambda's 404. */
  lookup(name: string, qualifier: string | undefined): { row: VersionRow; alias?: AliasRow } {
    if (!this.sql.functionByName.get(name)) throw functionNotFound(this.arn(name, qualifier));
    if (qualifier === undefined || qualifier === '$LATEST') return { row: this.latestOf(name) };
    if (isVersionNumber(qualifier)) return { row: this.requireVersion(name, qualifier) };
    const alias = this.sql.alias.get(name, qualifier);
    if (!alias) throw functionNotFound(this.arn(name, qualifier));
    return { row: this.requireVersion(name, alias.function_version), alias };
  }

  requireFunction(name: string): FunctionRow {
    const fn = this.sql.functionByName.get(name);
    if (!fn) throw functionNotFound(this.arn(name));
    return fn;
  }

  /** The row of '$LATEST' or a version number, or `Function not found: …:<name>:<version>`. */
  requireVersion(name: string, version: string): VersionRow {
    const n = version === '$LATEST' ? LATEST : versionNumber(version);
    const row = n === undefined ? undefined : this.sql.version.get(name, n);
    if (!row) throw functionNotFound(this.arn(name, version));
    return row;
  }

  latestOf(name: string): VersionRow {
    const row = this.sql.version.get(name, LATEST);
    if (!row) throw functionNotFound(this.arn(name));
    return row;
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.place.region, this.place.accountId, name, qualifier);
  }

  /**
   * Publish $LATEST as the next version, inside a write transaction. When
   * nothing changed since the newest version, that version is returned
   * instead of a new one (Lambda's rule).
   */
  publishLocked(name: string, options: PublishOptions): FunctionConfiguration {
    const latest = this.latestOf(name);
    if (options.revisionId !== undefined && options.revisionId !== latest.revision_id) throw revisionMismatch();
    if (options.codeSha256 !== undefined && options.codeSha256 !== latest.code_sha256) {
      throw invalidParameter(
        `CodeSHA256 (${options.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.code_sha256}). ` +
          'Please try again with the CodeSHA256 in $LATEST.',
      );
    }
    const newest = this.sql.newestPublished.get(name);
    if (newest && newest.fingerprint === latest.fingerprint) {
      return renderConfiguration(newest, this.place, versionName(newest));
    }
    const fn = this.sql.functionByName.get(name)!;
    const n = fn.next_version;
    this.sql.setNextVersion.run(n + 1, name);
    const version: VersionRow = {
      ...latest,
      version: n,
      description: options.description ?? latest.description,
      last_modified: lambdaTimestamp(),
      revision_id: randomUUID(),
    };
    this.sql.insertVersion.run(version);
    // Lambda gives $LATEST a new RevisionId when a version is published from it.
    this.sql.setLatestRevision.run(randomUUID(), name);
    return renderConfiguration(version, this.place, String(n));
  }
}
