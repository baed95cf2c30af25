// The persistent model behind Lambda's management API: functions, their
// published versions and their aliases, in one SQLite database,
// <stateDir>/lambda.db. No HTTP here: the API layer maps requests onto these
// methods and LambdaApiErrors onto Lambda's error envelope (toApiError()).
//
// Every method is synchronous and every mutation is one transaction, so a
// crash or a refused write leaves the previous state whole. Durability is the
// event store's: WAL with synchronous=FULL (a 201 survives a power cut).
//
// Code itself is not stored here, only its CodeSha256 and CodeSize: the
// package store keeps the zips and unpacked directories by content hash and
// asks codeReferences() which hashes are still in use.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../../errors';
import { checkAliasName, readAliasName, readDescription, readFunctionVersion, readRevisionId, readRouting } from './alias-input';
import { lambdaTimestamp, renderAlias, renderConfiguration, versionName } from './configuration';
import type { AliasConfiguration, AliasRow, FunctionConfiguration, StorePlace, VersionRow } from './configuration';
import { asBody, readCreateFields, readFieldsPatch } from './function-fields';
import type { Architecture } from './function-fields';
import { effectiveQualifier, functionArn, isVersionNumber, parseFunctionName, parseNewFunctionName } from './function-name';
import type { ParsedFunctionName } from './function-name';
import { conflict, functionNotFound, invalidParameter, LambdaApiError, notFound, revisionMismatch } from './lambda-api-error';
import { decodeMarker, encodeMarker, pageSize } from './paging';
import { aliasRow, checkCode, fieldsOf, LATEST, latestRow, readFlag, versionNumber } from './rows';
import { openStateDatabase } from '../../system/state-database';
import { migrate } from './schema';
import { Statements } from './statements';
import type { FunctionRow } from './statements';
import type {
  CodeInfo,
  FunctionStoreOptions,
  GetFunctionResult,
  ListAliasesOptions,
  ListAliasesResult,
  ListFunctionsResult,
  ListVersionsResult,
  PublishOptions,
  ResolvedFunction,
  UpdateCodeOptions,
} from './store-types';
import { Violations } from './violations';

// Callers name the store's types through this module.
export type * from './store-types';

export const LAMBDA_DB_FILE = 'lambda.db';
export const DEFAULT_REGION = 'us-east-1';
/**
 * The account in every ARN this store hands out: AWS's documentation example
 * account, which Greengrass group definitions, tutorials and our own example
 * group already use, so an ARN copied from any of them names the same function.
 */
export const DEFAULT_ACCOUNT_ID = '123456789012';

const REGION_RE = /^(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT_RE = /^\d{12}$/;
const FUNCTION_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const ALIAS_NAME_RE = /^(?![0-9]+$)[a-zA-Z0-9_-]{1,128}$/;

export class FunctionStore {
  readonly file: string;
  readonly region: string;
  readonly accountId: string;
  /** The architecture of a function whose request names none. */
  readonly architecture: Architecture;
  private readonly admit: NonNullable<FunctionStoreOptions['admit']>;
  private readonly place: StorePlace;
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly transaction: (work: () => unknown) => unknown;
  private closed = false;

  /** Open (or create) <stateDir>/lambda.db. Throws STORAGE_FAILED naming the directory when it cannot. */
  constructor(stateDir: string, options: FunctionStoreOptions = {}) {
    this.file = path.join(stateDir, LAMBDA_DB_FILE);
    this.region = options.region ?? DEFAULT_REGION;
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    this.architecture = options.architecture ?? (process.arch === 'arm64' ? 'arm64' : 'x86_64');
    this.admit = options.admit ?? (() => undefined);
    if (!REGION_RE.test(this.region)) {
      throw new NanolambdaError(
        'INVALID_PARAMETER',
        `Invalid region '${this.region}' for the function store: use one like us-east-1`,
      );
    }
    if (!ACCOUNT_RE.test(this.accountId)) {
      throw new NanolambdaError(
        'INVALID_PARAMETER',
        `Invalid account id '${this.accountId}' for the function store: use 12 digits`,
      );
    }
    if (this.architecture !== 'x86_64' && this.architecture !== 'arm64') {
      throw new NanolambdaError('INVALID_PARAMETER', `Invalid architecture '${String(this.architecture)}': use x86_64 or arm64`);
    }
    this.place = { region: this.region, accountId: this.accountId, architecture: this.architecture };
    // It holds environment variables, often secrets: 0600 (openStateDatabase).
    this.db = openStateDatabase(stateDir, LAMBDA_DB_FILE, 'function store');
    migrate(this.db, this.file);
    this.sql = new Statements(this.db);
    this.transaction = this.db.transaction((work: () => unknown) => work());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // ---- functions -----------------------------------------------------------

  /**
   * CreateFunction. `input` is the request body (Code aside: the package store
   * took Code.ZipFile and measured it as `code`). Returns $LATEST's
   * configuration, or version 1's when Publish is true.
   */
  createFunction(input: unknown, code: CodeInfo): FunctionConfiguration {
    const body = asBody(input, 'CreateFunction');
    const parsed = parseNewFunctionName(body.FunctionName);
    this.checkPlace(parsed);
    const fields = readCreateFields(body, this.architecture);
    const publish = readFlag(body.Publish, 'publish');
    checkCode(code);
    const name = parsed.name;
    return this.write(() => {
      if (this.sql.functionByName.get(name)) throw conflict(`Function already exist: ${name}`);
      this.admit({ functionName: name, architecture: fields.architecture, codeSha256: code.sha256 });
      this.sql.insertFunction.run(name, 1);
      const latest = latestRow(name, fields, code);
      this.sql.insertVersion.run(latest);
      if (publish) return this.publishLocked(name, {});
      return renderConfiguration(latest, this.place, undefined);
    });
  }

  /** GetFunction: the configuration of $LATEST, a version or an alias's version. */
  getFunction(nameOrArn: string, qualifier?: string): GetFunctionResult {
    return { Configuration: this.getFunctionConfiguration(nameOrArn, qualifier), Code: { RepositoryType: 'S3', Location: '' } };
  }

  /**
   * GetFunctionConfiguration. The qualifier comes from the name
   * (`my-fn:PROD`), the parameter, or both when they agree. FunctionArn is
   * qualified exactly when the request was.
   */
  getFunctionConfiguration(nameOrArn: string, qualifier?: string): FunctionConfiguration {
    const target = this.target(nameOrArn, qualifier);
    const { row } = this.lookup(target.name, target.qualifier);
    return renderConfiguration(row, this.place, target.qualifier);
  }

  /** ListFunctions: $LATEST of every function, by name, at most 50 a page. */
  listFunctions(marker?: string, maxItems?: number | string): ListFunctionsResult {
    this.checkOpen();
    const size = pageSize(maxItems);
    const after = decodeMarker(marker, (key) => FUNCTION_NAME_RE.test(key)) ?? '';
    const rows = this.sql.latestPage.all(after, size + 1);
    const page = rows.slice(0, size);
    const result: ListFunctionsResult = {
      Functions: page.map((row) => renderConfiguration(row, this.place, undefined, true)),
    };
    if (rows.length > size) result.NextMarker = encodeMarker(page[page.length - 1]!.function_name);
    return result;
  }

  /** UpdateFunctionCode: new code for $LATEST, then a version when `publish`. */
  updateFunctionCode(nameOrArn: string, code: CodeInfo, options: UpdateCodeOptions = {}): FunctionConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'UpdateFunctionCode');
    const violations = new Violations();
    const revisionId = readRevisionId(options.revisionId, violations);
    violations.throwIfAny();
    const publish = readFlag(options.publish, 'publish');
    checkCode(code);
    return this.write(() => {
      const current = this.latestOf(name);
      if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
      const fields = fieldsOf(current, this.architecture);
      this.admit({ functionName: name, architecture: fields.architecture, codeSha256: code.sha256 });
      const updated = latestRow(name, fields, code);
      this.sql.updateLatest.run(updated);
      if (publish) return this.publishLocked(name, {});
      return renderConfiguration(updated, this.place, undefined);
    });
  }

  /**
   * UpdateFunctionConfiguration: only the fields in `patch` change;
   * Environment replaces the whole map. RevisionId is checked when given.
   */
  updateFunctionConfiguration(nameOrArn: string, patch: unknown): FunctionConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'UpdateFunctionConfiguration');
    const body = asBody(patch, 'UpdateFunctionConfiguration');
    const violations = new Violations();
    const revisionId = readRevisionId(body.RevisionId, violations);
    violations.throwIfAny();
    const changes = readFieldsPatch(body);
    return this.write(() => {
      const current = this.latestOf(name);
      if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
      const sameCode = { sha256: current.code_sha256, size: current.code_size };
      const before = fieldsOf(current, this.architecture);
      const fields = { ...before, ...changes };
      if (fields.architecture !== before.architecture) {
        this.admit({ functionName: name, architecture: fields.architecture, codeSha256: sameCode.sha256 });
      }
      const updated = latestRow(name, fields, sameCode);
      this.sql.updateLatest.run(updated);
      return renderConfiguration(updated, this.place, undefined);
    });
  }

  /**
   * DeleteFunction. Unqualified: the function with all its versions and
   * aliases. With a version number: that version, refused while an alias
   * points at it; a version that does not exist is no error (as on Lambda).
   */
  deleteFunction(nameOrArn: string, qualifier?: string): void {
    const target = this.target(nameOrArn, qualifier);
    const q = target.qualifier;
    if (q === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (q !== undefined && !isVersionNumber(q)) throw invalidParameter('Deletion of aliases is not currently supported.');
    const name = target.name;
    this.write(() => {
      if (!this.sql.functionByName.get(name)) throw functionNotFound(this.arn(name));
      if (q === undefined) {
        this.sql.deleteAliases.run(name);
        this.sql.deleteVersions.run(name);
        this.sql.deleteFunction.run(name);
        return;
      }
      const aliases = this.sql.aliasesOfVersion.all(name, q, q);
      if (aliases.length > 0) {
        throw conflict(`Unable to delete version because the following aliases reference it: [${aliases.join(', ')}]`);
      }
      const n = versionNumber(q);
      if (n !== undefined) this.sql.deleteVersion.run(name, n);
    });
  }

  // ---- versions ------------------------------------------------------------

  /**
   * PublishVersion: freeze $LATEST's code and settings as the next version.
   * When nothing changed since the newest version, that version is returned
   * instead of a new one (Lambda's rule).
   */
  publishVersion(nameOrArn: string, options: PublishOptions = {}): FunctionConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'PublishVersion');
    const violations = new Violations();
    const description = readDescription(options.description, violations);
    const revisionId = readRevisionId(options.revisionId, violations);
    if (options.codeSha256 !== undefined && options.codeSha256 !== null && typeof options.codeSha256 !== 'string') {
      violations.add(options.codeSha256, 'codeSha256', 'Member must be a string');
    }
    violations.throwIfAny();
    const publish: PublishOptions = {};
    if (description !== undefined) publish.description = description;
    if (revisionId !== undefined) publish.revisionId = revisionId;
    if (typeof options.codeSha256 === 'string') publish.codeSha256 = options.codeSha256;
    return this.write(() => this.publishLocked(name, publish));
  }

  /** ListVersionsByFunction: $LATEST, then 1..N, at most 50 a page. */
  listVersionsByFunction(nameOrArn: string, marker?: string, maxItems?: number | string): ListVersionsResult {
    const name = this.unqualifiedTarget(nameOrArn, 'ListVersionsByFunction');
    const size = pageSize(maxItems);
    const after = decodeMarker(marker, (key) => /^(0|[1-9][0-9]{0,14})$/.test(key));
    this.requireFunction(name);
    const rows = this.sql.versionPage.all(name, after === undefined ? -1 : Number(after), size + 1);
    const page = rows.slice(0, size);
    const result: ListVersionsResult = {
      Versions: page.map((row) => renderConfiguration(row, this.place, versionName(row), true)),
    };
    if (rows.length > size) result.NextMarker = encodeMarker(String(page[page.length - 1]!.version));
    return result;
  }

  // ---- aliases -------------------------------------------------------------

  /** CreateAlias: `input` is the body, {Name, FunctionVersion, Description?, RoutingConfig?}. */
  createAlias(nameOrArn: string, input: unknown): AliasConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'CreateAlias');
    const body = asBody(input, 'CreateAlias');
    const violations = new Violations();
    const aliasName = readAliasName(body.Name, violations);
    const functionVersion = readFunctionVersion(body.FunctionVersion, violations, true);
    const description = readDescription(body.Description, violations);
    violations.throwIfAny();
    return this.write(() => {
      if (!this.sql.functionByName.get(name)) throw functionNotFound(this.arn(name, functionVersion));
      this.requireVersion(name, functionVersion!);
      if (this.sql.alias.get(name, aliasName!)) throw conflict(`Alias already exists: ${this.arn(name, aliasName)}`);
      const routing = readRouting(body.RoutingConfig, functionVersion!) ?? null;
      if (routing) this.requireVersion(name, routing.version);
      const row = aliasRow(name, aliasName!, functionVersion!, description ?? '', routing);
      this.sql.insertAlias.run(row);
      return renderAlias(row, this.place);
    });
  }

  getAlias(nameOrArn: string, aliasName: string): AliasConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'GetAlias');
    const alias = checkAliasName(aliasName);
    this.requireFunction(name);
    const row = this.sql.alias.get(name, alias);
    if (!row) throw notFound(`Cannot find alias arn: ${this.arn(name, alias)}`);
    return renderAlias(row, this.place);
  }

  /** UpdateAlias: `input` is the body, {FunctionVersion?, Description?, RoutingConfig?, RevisionId?}. */
  updateAlias(nameOrArn: string, aliasName: string, input: unknown): AliasConfiguration {
    const name = this.unqualifiedTarget(nameOrArn, 'UpdateAlias');
    const alias = checkAliasName(aliasName);
    const body = asBody(input, 'UpdateAlias');
    const violations = new Violations();
    const functionVersion = readFunctionVersion(body.FunctionVersion, violations, false);
    const description = readDescription(body.Description, violations);
    const revisionId = readRevisionId(body.RevisionId, violations);
    violations.throwIfAny();
    return this.write(() => {
      this.requireFunction(name);
      const current = this.sql.alias.get(name, alias);
      if (!current) throw notFound(`Alias not found: ${this.arn(name, alias)}`);
      if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
      const version = functionVersion ?? current.function_version;
      if (functionVersion !== undefined) this.requireVersion(name, functionVersion);
      let routing = readRouting(body.RoutingConfig, version);
      if (routing === undefined) {
        // Kept as it was: it must still make sense with the new version.
        routing = null;
        if (current.additional_version !== null && current.additional_weight !== null) {
          routing = { version: current.additional_version, weight: current.additional_weight };
          readRouting({ AdditionalVersionWeights: { [routing.version]: routing.weight } }, version);
        }
      }
      if (routing) this.requireVersion(name, routing.version);
      const row = aliasRow(name, alias, version, description ?? current.description, routing);
      this.sql.updateAlias.run(row);
      return renderAlias(row, this.place);
    });
  }

  /** DeleteAlias. An alias that does not exist is no error (as on Lambda). */
  deleteAlias(nameOrArn: string, aliasName: string): void {
    const name = this.unqualifiedTarget(nameOrArn, 'DeleteAlias');
    const alias = checkAliasName(aliasName);
    this.write(() => {
      this.requireFunction(name);
      this.sql.deleteAlias.run(name, alias);
    });
  }

  /** ListAliases, by name, at most 50 a page; only those pointing at `functionVersion` when given. */
  listAliases(nameOrArn: string, options: ListAliasesOptions = {}): ListAliasesResult {
    const name = this.unqualifiedTarget(nameOrArn, 'ListAliases');
    const violations = new Violations();
    const functionVersion = readFunctionVersion(options.functionVersion, violations, false);
    violations.throwIfAny();
    const size = pageSize(options.maxItems);
    const after = decodeMarker(options.marker, (key) => ALIAS_NAME_RE.test(key)) ?? '';
    this.requireFunction(name);
    const rows =
      functionVersion === undefined
        ? this.sql.aliasPage.all(name, after, size + 1)
        : this.sql.aliasPageOfVersion.all(name, after, functionVersion, size + 1);
    const page = rows.slice(0, size);
    const result: ListAliasesResult = { Aliases: page.map((row) => renderAlias(row, this.place)) };
    if (rows.length > size) result.NextMarker = encodeMarker(page[page.length - 1]!.name);
    return result;
  }

  // ---- invoke and housekeeping --------------------------------------------

  /**
   * What an Invoke of `nameOrArn` (qualified by the name, `qualifier`, or
   * neither) runs: $LATEST, a version, or the version an alias points at.
   */
  resolve(nameOrArn: string, qualifier?: string): ResolvedFunction {
    const target = this.target(nameOrArn, qualifier);
    const { row, alias } = this.lookup(target.name, target.qualifier);
    const resolved: ResolvedFunction = {
      name: target.name,
      version: versionName(row),
      config: renderConfiguration(row, this.place, target.qualifier),
      codeSha256: row.code_sha256,
    };
    if (alias) {
      resolved.alias = alias.name;
      if (alias.additional_version !== null && alias.additional_weight !== null) {
        const extra = this.sql.version.get(target.name, versionNumber(alias.additional_version) ?? -1);
        if (extra) {
          resolved.additionalVersion = {
            version: alias.additional_version,
            weight: alias.additional_weight,
            config: renderConfiguration(extra, this.place, alias.additional_version),
            codeSha256: extra.code_sha256,
          };
        }
      }
    }
    return resolved;
  }

  /** Every CodeSha256 some version still uses: the package store may delete the others. */
  codeReferences(): Set<string> {
    this.checkOpen();
    return new Set(this.sql.codeHashes.all());
  }

  // ---- internals -----------------------------------------------------------

  /** Publish inside a write transaction. */
  private publishLocked(name: string, options: PublishOptions): FunctionConfiguration {
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

  /** Parse a FunctionName (+ Qualifier) and check it names this region and account. */
  private target(nameOrArn: string, qualifier: string | undefined): { name: string; qualifier: string | undefined } {
    this.checkOpen();
    const parsed = parseFunctionName(nameOrArn);
    const q = effectiveQualifier(parsed, qualifier);
    this.checkPlace(parsed, q);
    return { name: parsed.name, qualifier: q };
  }

  /** The function name for operations on the function itself (a `:$LATEST` suffix is tolerated). */
  private unqualifiedTarget(nameOrArn: string, operation: string): string {
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
  private checkPlace(parsed: ParsedFunctionName, qualifier?: string): void {
    if (parsed.region !== undefined && parsed.region !== this.region) {
      throw notFound(`Functions from '${parsed.region}' are not reachable in this region ('${this.region}')`);
    }
    if (parsed.accountId !== undefined && parsed.accountId !== this.accountId) {
      const region = parsed.region ?? this.region;
      throw functionNotFound(functionArn(region, parsed.accountId, parsed.name, qualifier));
    }
  }

  /** The row a qualifier names (and the alias, when it is one), or Lambda's 404. */
  private lookup(name: string, qualifier: string | undefined): { row: VersionRow; alias?: AliasRow } {
    if (!this.sql.functionByName.get(name)) throw functionNotFound(this.arn(name, qualifier));
    if (qualifier === undefined || qualifier === '$LATEST') return { row: this.latestOf(name) };
    if (isVersionNumber(qualifier)) return { row: this.requireVersion(name, qualifier) };
    const alias = this.sql.alias.get(name, qualifier);
    if (!alias) throw functionNotFound(this.arn(name, qualifier));
    return { row: this.requireVersion(name, alias.function_version), alias };
  }

  private requireFunction(name: string): FunctionRow {
    const fn = this.sql.functionByName.get(name);
    if (!fn) throw functionNotFound(this.arn(name));
    return fn;
  }

  /** The row of '$LATEST' or a version number, or `Function not found: …:<name>:<version>`. */
  private requireVersion(name: string, version: string): VersionRow {
    const n = version === '$LATEST' ? LATEST : versionNumber(version);
    const row = n === undefined ? undefined : this.sql.version.get(name, n);
    if (!row) throw functionNotFound(this.arn(name, version));
    return row;
  }

  private latestOf(name: string): VersionRow {
    const row = this.sql.version.get(name, LATEST);
    if (!row) throw functionNotFound(this.arn(name));
    return row;
  }

  private arn(name: string, qualifier?: string): string {
    return functionArn(this.region, this.accountId, name, qualifier);
  }

  private checkOpen(): void {
    if (this.closed) throw new NanolambdaError('RUNTIME_STOPPED', `the function store ${this.file} is closed`);
  }

  /** Run `work` as one transaction; a refusal of the disk becomes STORAGE_FAILED. */
  private write<T>(work: () => T): T {
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
}

