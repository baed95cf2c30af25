// The shapes FunctionStore takes and returns, besides the Lambda
// configurations themselves (configuration.ts).
import type { AliasConfiguration, FunctionConfiguration } from './configuration';

/** The deployment package of a version, as the package store measured it. */
export interface CodeInfo {
  /** base64 of the SHA-256 of the zip (CodeSha256). */
  sha256: string;
  /** Bytes of the zip (CodeSize). */
  size: number;
}

export interface FunctionStoreOptions {
  /** Region in ARNs. Default DEFAULT_REGION. */
  region?: string;
  /** 12-digit account in ARNs. Default DEFAULT_ACCOUNT_ID. */
  accountId?: string;
  /**
   * The architecture of a function whose request names none: x86_64, arm64,
   * or this machine's own. Default: this machine's (hostArchitecture(): Lambda's
   * name for it, or Node's where Lambda has none, e.g. arm on 32-bit ARM).
   */
  architecture?: string;
  /**
   * Asked before a change of what $LATEST runs is committed (CreateFunction,
   * UpdateFunctionCode, and UpdateFunctionConfiguration when it changes
   * Architectures), with the new code and architecture together: throw a LambdaApiError to refuse it, e.g. when this
   * machine cannot run the architecture or the package holds executables
   * for another. Runs inside the store's transaction: keep it short.
   */
  admit?: (candidate: FunctionCandidate) => void;
}

/** What FunctionStoreOptions.admit is asked about. */
export interface FunctionCandidate {
  functionName: string;
  /** FunctionFields.architecture: Lambda's name, or the machine's own. */
  architecture: string;
  /** base64 CodeSha256 of its package. */
  codeSha256: string;
  /** Its Lambda Runtime: only C executables may be of another architecture than this machine's. */
  runtime: string;
  /** Its Handler: for a C executable, the file in the package that runs (static ones need no sysroot). */
  handler: string;
  /** Environment.Variables: a QEMU_LD_PREFIX there replaces the cross sysroot. */
  environment: Record<string, string>;
}

export interface GetFunctionResult {
  Configuration: FunctionConfiguration;
  /** Location is left empty: the HTTP layer fills in where the zip can be downloaded. */
  Code: { RepositoryType: 'S3'; Location: string };
}

export interface ListFunctionsResult {
  Functions: FunctionConfiguration[];
  NextMarker?: string;
}

export interface ListVersionsResult {
  Versions: FunctionConfiguration[];
  NextMarker?: string;
}

export interface ListAliasesResult {
  Aliases: AliasConfiguration[];
  NextMarker?: string;
}

/** What an Invoke runs. */
export interface ResolvedFunction {
  name: string;
  /** '$LATEST' or the number an alias resolved to: X-Amz-Executed-Version. */
  version: string;
  /** The version's configuration; FunctionArn is the ARN as invoked (qualified with what the caller named). */
  config: FunctionConfiguration;
  /** Names the unpacked directory in the package store. */
  codeSha256: string;
  /** The alias, when the caller named one. */
  alias?: string;
  /**
   * The alias's second version: invocations go there with probability
   * `weight`, else to `version`. Choosing is the caller's job.
   */
  additionalVersion?: { version: string; weight: number; config: FunctionConfiguration; codeSha256: string };
}

export interface UpdateCodeOptions {
  /** Publish a version after the update (UpdateFunctionCode's Publish). */
  publish?: boolean;
  /** Update only if $LATEST still has this RevisionId. */
  revisionId?: string;
  /**
   * The request's Architectures, unchecked (a list of one of x86_64, arm64):
   * the new code's architecture, as UpdateFunctionCode takes it. Absent: the
   * function keeps its own.
   */
  architectures?: unknown;
}

export interface PublishOptions {
  /** Publish only if $LATEST's code has this CodeSha256. */
  codeSha256?: string;
  /** The version's description; default $LATEST's. */
  description?: string;
  /** Publish only if $LATEST still has this RevisionId. */
  revisionId?: string;
}

export interface ListAliasesOptions {
  /** Only aliases pointing at this version. */
  functionVersion?: string;
  marker?: string;
  maxItems?: number | string;
}
