// FunctionConfiguration and AliasConfiguration as Lambda returns them
// (shared/spec/lambda-api.md §2), rendered from stored rows. Fields nanolambda
// does not implement are reported with Lambda's defaults (TracingConfig
// PassThrough, 512 MB /tmp, Text logs, SnapStart off) so tools that read them
// find what they expect; State and LastUpdateStatus are settled at once
// (Active, Successful), so `aws lambda wait function-active-v2` and
// `function-updated-v2` return on the first poll.
import { functionArn } from './function-name';

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  /** `YYYY-MM-DDThh:mm:ss.sss+0000` */
  LastModified: string;
  /** base64 of the SHA-256 of the deployment zip. */
  CodeSha256: string;
  /** '$LATEST' or a published version's number. */
  Version: string;
  /** Absent when the function has no variables. */
  Environment?: { Variables: Record<string, string> };
  TracingConfig: { Mode: 'PassThrough' };
  RevisionId: string;
  /** Absent from ListFunctions and ListVersionsByFunction entries, as on Lambda. */
  State?: 'Active';
  LastUpdateStatus?: 'Successful';
  PackageType: 'Zip';
  /** Lambda's name (x86_64, arm64), or the machine's own where Lambda has none (FunctionFields.architecture). */
  Architectures: string[];
  EphemeralStorage: { Size: number };
  LoggingConfig: { LogFormat: 'Text'; LogGroup: string };
  SnapStart: { ApplyOn: 'None'; OptimizationStatus: 'Off' };
}

export interface AliasConfiguration {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  /** Present when the alias sends a share of invocations to a second version. */
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  RevisionId: string;
}

/** One row of the versions table. Version 0 is $LATEST. */
export interface VersionRow {
  function_name: string;
  version: number;
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memory_size: number;
  /** JSON object; '{}' when none. */
  environment: string;
  /** Architectures[0] (schema 1 files get the store's default when they are migrated). */
  architecture: string;
  code_sha256: string;
  code_size: number;
  last_modified: string;
  revision_id: string;
  /** Code and settings of $LATEST: at present for row 0, when published for the others. */
  fingerprint: string;
}

export interface AliasRow {
  function_name: string;
  name: string;
  function_version: string;
  description: string;
  additional_version: string | null;
  additional_weight: number | null;
  revision_id: string;
}

/** Where the functions live: the region and account of their ARNs. */
export interface StorePlace {
  region: string;
  accountId: string;
}

/** '$LATEST' for row 0, else the version's number. */
export function versionName(row: VersionRow): string {
  return row.version === 0 ? '$LATEST' : String(row.version);
}

/**
 * A version's configuration. `arnQualifier` is what the FunctionArn ends in:
 * undefined for the unqualified ARN, else '$LATEST', a number or the alias the
 * caller named. `listed` leaves out the fields list operations omit.
 */
export function renderConfiguration(
  row: VersionRow,
  place: StorePlace,
  arnQualifier: string | undefined,
  listed = false,
): FunctionConfiguration {
  const environment = JSON.parse(row.environment) as Record<string, string>;
  const config: FunctionConfiguration = {
    FunctionName: row.function_name,
    FunctionArn: functionArn(place.region, place.accountId, row.function_name, arnQualifier),
    Runtime: row.runtime,
    Role: row.role,
    Handler: row.handler,
    CodeSize: row.code_size,
    Description: row.description,
    Timeout: row.timeout,
    MemorySize: row.memory_size,
    LastModified: row.last_modified,
    CodeSha256: row.code_sha256,
    Version: versionName(row),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: row.revision_id,
    PackageType: 'Zip',
    Architectures: [row.architecture],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${row.function_name}` },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  };
  if (Object.keys(environment).length > 0) config.Environment = { Variables: environment };
  if (!listed) {
    config.State = 'Active';
    config.LastUpdateStatus = 'Successful';
  }
  return config;
}

export function renderAlias(row: AliasRow, place: StorePlace): AliasConfiguration {
  const alias: AliasConfiguration = {
    AliasArn: functionArn(place.region, place.accountId, row.function_name, row.name),
    Name: row.name,
    FunctionVersion: row.function_version,
    Description: row.description,
    RevisionId: row.revision_id,
  };
  if (row.additional_version !== null && row.additional_weight !== null) {
    alias.RoutingConfig = { AdditionalVersionWeights: { [row.additional_version]: row.additional_weight } };
  }
  return alias;
}

/** Lambda's LastModified format: ISO 8601 with milliseconds and a +0000 offset. */
export function lambdaTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/Z$/, '+0000');
}
