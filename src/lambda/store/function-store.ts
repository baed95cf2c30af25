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
//
// The function-level writes are function-writes.ts's; what every operation
// stands on (the database, transactions, lookups, publishing) is
// store-core.ts's.
import path from 'node:path';
import { NanolambdaError } from '../../errors';
import { hostArchitecture, LAMBDA_ARCHITECTURES } from '../../system/architecture';
import { checkAliasName, readAliasName, readDescription, readFunctionVersion, readRevisionId, readRouting } from './alias-input';
import { renderAlias, renderConfiguration, versionName } from './configuration';
import type { AliasConfiguration, FunctionConfiguration } from './configuration';
import { asBody } from './function-fields';
import { createFunction, deleteFunction, updateFunctionCode, updateFunctionConfiguration, type FunctionWriteRules } from './function-writes';
import { conflict, functionNotFound, notFound, revisionMismatch } from './lambda-api-error';
import { decodeMarker, encodeMarker, pageSize } from './paging';
import { aliasRow, versionNumber } from './rows';
import { openStateDatabase } from '../../system/state-database';
import { migrate } from './schema';
import { StoreCore } from './store-core';
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
  /** The architecture of a function whose request names none (FunctionStoreOptions.architecture). */
  readonly architecture: string;
  private readonly core: StoreCore;
  private readonly rules: FunctionWriteRules;

  /** Open (or create) <stateDir>/lambda.db. Throws STORAGE_FAILED naming the directory when it cannot. */
  constructor(stateDir: string, options: FunctionStoreOptions = {}) {
    this.file = path.join(stateDir, LAMBDA_DB_FILE);
    this.region = options.region ?? DEFAULT_REGION;
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    // A machine Lambda has no name for (32-bit ARM, riscv64…) runs its own architecture by default, under Node's name for it.
    const host = hostArchitecture();
    this.architecture = options.architecture ?? host;
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
    const allowed = [...new Set([...LAMBDA_ARCHITECTURES, host])];
    if (!allowed.includes(this.architecture)) {
      throw new NanolambdaError('INVALID_PARAMETER', `Invalid architecture '${String(this.architecture)}' for the function store: use ${allowed.join(' or ')}`);
    }
    this.rules = { defaultArchitecture: this.architecture, admit: options.admit ?? (() => undefined) };
    // It holds environment variables, often secrets: 0600 (openStateDatabase).
    const db = openStateDatabase(stateDir, LAMBDA_DB_FILE, 'function store');
    try {
      migrate(db, this.file, this.architecture);
    } catch (error) {
      db.close();
      throw error;
    }
    this.core = new StoreCore(this.file, { region: this.region, accountId: this.accountId }, db);
  }

  close(): void {
    this.core.close();
  }

  // ---- functions -----------------------------------------------------------

  /**
   * CreateFunction. `input` is the request body (Code aside: the package store
   * took Code.ZipFile and measured it as `code`). Returns $LATEST's
   * configuration, or version 1's when Publish is true.
   */
  createFunction(input: unknown, code: CodeInfo): FunctionConfiguration {
    return createFunction(this.core, this.rules, input, code);
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
    const target = this.core.target(nameOrArn, qualifier);
    const { row } = this.core.lookup(target.name, target.qualifier);
    return renderConfiguration(row, this.core.place, target.qualifier);
  }

  /** ListFunctions: $LATEST of every function, by name, at most 50 a page. */
  listFunctions(marker?: string, maxItems?: number | string): ListFunctionsResult {
    this.core.checkOpen();
    const size = pageSize(maxItems);
    const after = decodeMarker(marker, (key) => FUNCTION_NAME_RE.test(key)) ?? '';
    const rows = this.core.sql.latestPage.all(after, size + 1);
    const page = rows.slice(0, size);
    const result: ListFunctionsResult = {
      Functions: page.map((row) => renderConfiguration(row, this.core.place, undefined, true)),
    };
    if (rows.length > size) result.NextMarker = encodeMarker(page[page.length - 1]!.function_name);
    return result;
  }

  /** UpdateFunctionCode: new code for $LATEST (of the architecture options.architectures names), then a version when `publish`. */
  updateFunctionCode(nameOrArn: string, code: CodeInfo, options: UpdateCodeOptions = {}): FunctionConfiguration {
    return updateFunctionCode(this.core, this.rules, nameOrArn, code, options);
  }

  /** UpdateFunctionConfiguration: only the fields in `patch` change (function-writes.ts). */
  updateFunctionConfiguration(nameOrArn: string, patch: unknown): FunctionConfiguration {
    return updateFunctionConfiguration(this.core, this.rules, nameOrArn, patch);
  }

  /** DeleteFunction: the function, or one version of it (function-writes.ts). */
  deleteFunction(nameOrArn: string, qualifier?: string): void {
    deleteFunction(this.core, nameOrArn, qualifier);
  }

  // ---- versions ------------------------------------------------------------

  /**
   * PublishVersion: freeze $LATEST's code and settings as the next version.
   * When nothing changed since the newest version, that version is returned
   * instead of a new one (Lambda's rule).
   */
  publishVersion(nameOrArn: string, options: PublishOptions = {}): FunctionConfiguration {
    const name = this.core.unqualifiedTarget(nameOrArn, 'PublishVersion');
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
    return this.core.write(() => this.core.publishLocked(name, publish));
  }

  /** ListVersionsByFunction: $LATEST, then 1..N, at most 50 a page. */
  listVersionsByFunction(nameOrArn: string, marker?: string, maxItems?: number | string): ListVersionsResult {
    const name = this.core.unqualifiedTarget(nameOrArn, 'ListVersionsByFunction');
    const size = pageSize(maxItems);
    const after = decodeMarker(marker, (key) => /^(0|[1-9][0-9]{0,14})$/.test(key));
    this.core.requireFunction(name);
    const rows = this.core.sql.versionPage.all(name, after === undefined ? -1 : Number(after), size + 1);
    const page = rows.slice(0, size);
    const result: ListVersionsResult = {
      Versions: page.map((row) => renderConfiguration(row, this.core.place, versionName(row), true)),
    };
    if (rows.length > size) result.NextMarker = encodeMarker(String(page[page.length - 1]!.version));
    return result;
  }

  // ---- aliases -------------------------------------------------------------

  /** CreateAlias: `input` is the body, {Name, FunctionVersion, Description?, RoutingConfig?}. */
  createAlias(nameOrArn: string, input: unknown): AliasConfiguration {
    const name = this.core.unqualifiedTarget(nameOrArn, 'CreateAlias');
    const body = asBody(input, 'CreateAlias');
    const violations = new Violations();
    const aliasName = readAliasName(body.Name, violations);
    const functionVersion = readFunctionVersion(body.FunctionVersion, violations, true);
    const description = readDescription(body.Description, violations);
    violations.throwIfAny();
    return this.core.write(() => {
      if (!this.core.sql.functionByName.get(name)) throw functionNotFound(this.core.arn(name, functionVersion));
      this.core.requireVersion(name, functionVersion!);
      if (this.core.sql.alias.get(name, aliasName!)) throw conflict(`Alias already exists: ${this.core.arn(name, aliasName)}`);
      const routing = readRouting(body.RoutingConfig, functionVersion!) ?? null;
      if (routing) this.core.requireVersion(name, routing.version);
      const row = aliasRow(name, aliasName!, functionVersion!, description ?? '', routing);
      this.core.sql.insertAlias.run(row);
      return renderAlias(row, this.core.place);
    });
  }

  getAlias(nameOrArn: string, aliasName: string): AliasConfiguration {
    const name = this.core.unqualifiedTarget(nameOrArn, 'GetAlias');
    const alias = checkAliasName(aliasName);
    this.core.requireFunction(name);
    const row = this.core.sql.alias.get(name, alias);
    if (!row) throw notFound(`Cannot find alias arn: ${this.core.arn(name, alias)}`);
    return renderAlias(row, this.core.place);
  }

  /** UpdateAlias: `input` is the body, {FunctionVersion?, Description?, RoutingConfig?, RevisionId?}. */
  updateAlias(nameOrArn: string, aliasName: string, input: unknown): AliasConfiguration {
    const name = this.core.unqualifiedTarget(nameOrArn, 'UpdateAlias');
    const alias = checkAliasName(aliasName);
    const body = asBody(input, 'UpdateAlias');
    const violations = new Violations();
    const functionVersion = readFunctionVersion(body.FunctionVersion, violations, false);
    const description = readDescription(body.Description, violations);
    const revisionId = readRevisionId(body.RevisionId, violations);
    violations.throwIfAny();
    return this.core.write(() => {
      this.core.requireFunction(name);
      const current = this.core.sql.alias.get(name, alias);
      if (!current) throw notFound(`Alias not found: ${this.core.arn(name, alias)}`);
      if (revisionId !== undefined && revisionId !== current.revision_id) throw revisionMismatch();
      const version = functionVersion ?? current.function_version;
      if (functionVersion !== undefined) this.core.requireVersion(name, functionVersion);
      let routing = readRouting(body.RoutingConfig, version);
      if (routing === undefined) {
        // Kept as it was: it must still make sense with the new version.
        routing = null;
        if (current.additional_version !== null && current.additional_weight !== null) {
          routing = { version: current.additional_version, weight: current.additional_weight };
          readRouting({ AdditionalVersionWeights: { [routing.version]: routing.weight } }, version);
        }
      }
      if (routing) this.core.requireVersion(name, routing.version);
      const row = aliasRow(name, alias, version, description ?? current.description, routing);
      this.core.sql.updateAlias.run(row);
      return renderAlias(row, this.core.place);
    });
  }

  /** DeleteAlias. An alias that does not exist is no error (as on Lambda). */
  deleteAlias(nameOrArn: string, aliasName: string): void {
    const name = this.core.unqualifiedTarget(nameOrArn, 'DeleteAlias');
    const alias = checkAliasName(aliasName);
    this.core.write(() => {
      this.core.requireFunction(name);
      this.core.sql.deleteAlias.run(name, alias);
    });
  }

  /** ListAliases, by name, at most 50 a page; only those pointing at `functionVersion` when given. */
  listAliases(nameOrArn: string, options: ListAliasesOptions = {}): ListAliasesResult {
    const name = this.core.unqualifiedTarget(nameOrArn, 'ListAliases');
    const violations = new Violations();
    const functionVersion = readFunctionVersion(options.functionVersion, violations, false);
    violations.throwIfAny();
    const size = pageSize(options.maxItems);
    const after = decodeMarker(options.marker, (key) => ALIAS_NAME_RE.test(key)) ?? '';
    this.core.requireFunction(name);
    const rows =
      functionVersion === undefined
        ? this.core.sql.aliasPage.all(name, after, size + 1)
        : this.core.sql.aliasPageOfVersion.all(name, after, functionVersion, size + 1);
    const page = rows.slice(0, size);
    const result: ListAliasesResult = { Aliases: page.map((row) => renderAlias(row, this.core.place)) };
    if (rows.length > size) result.NextMarker = encodeMarker(page[page.length - 1]!.name);
    return result;
  }

  // ---- invoke and housekeeping --------------------------------------------

  /**
   * What an Invoke of `nameOrArn` (qualified by the name, `qualifier`, or
   * neither) runs: $LATEST, a version, or the version an alias points at.
   */
  resolve(nameOrArn: string, qualifier?: string): ResolvedFunction {
    const target = this.core.target(nameOrArn, qualifier);
    const { row, alias } = this.core.lookup(target.name, target.qualifier);
    const resolved: ResolvedFunction = {
      name: target.name,
      version: versionName(row),
      config: renderConfiguration(row, this.core.place, target.qualifier),
      codeSha256: row.code_sha256,
    };
    if (alias) {
      resolved.alias = alias.name;
      if (alias.additional_version !== null && alias.additional_weight !== null) {
        const extra = this.core.sql.version.get(target.name, versionNumber(alias.additional_version) ?? -1);
        if (extra) {
          resolved.additionalVersion = {
            version: alias.additional_version,
            weight: alias.additional_weight,
            config: renderConfiguration(extra, this.core.place, alias.additional_version),
            codeSha256: extra.code_sha256,
          };
        }
      }
    }
    return resolved;
  }

  /** Every CodeSha256 some version still uses: the package store may delete the others. */
  codeReferences(): Set<string> {
    this.core.checkOpen();
    return new Set(this.core.sql.codeHashes.all());
  }
}
