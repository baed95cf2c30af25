// Function names and ARNs in every form the Lambda Invoke API accepts:
//   name                     my-fn          name:qualifier        my-fn:live
//   partial ARN              123456789012:function:my-fn[:q]
//   (also, as Lambda's model allows)  function:my-fn[:q]  and  us-east-1:123456789012:function:my-fn[:q]
//   full ARN                 arn:aws:lambda:us-east-1:123456789012:function:my-fn[:q]
//   reserved (system) ARNs   arn:aws:lambda:::function:GGRouter  (empty region and account)
// Percent-decoding (the HTTP path carries `%3A`, `%24`) is the caller's job.
import { NanolambdaError } from '../errors';

export interface FunctionName {
  /** 'aws', 'aws-cn', ...; undefined when the input was not a full ARN. */
  partition: string | undefined;
  /** undefined when not given; '' in a reserved ARN. */
  region: string | undefined;
  /** undefined when not given; '' in a reserved ARN. */
  accountId: string | undefined;
  name: string;
  /** '$LATEST', a version number or an alias; undefined when unqualified. */
  qualifier: string | undefined;
}

/** A full ARN: partition, region and account are always known. */
export interface FunctionArn extends FunctionName {
  partition: string;
  region: string;
  accountId: string;
}

// Lambda's model: names allow '.', qualifiers do not.
const NAME_RE = /^[a-zA-Z0-9_.-]{1,64}$/;
const QUALIFIER_RE = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const VERSION_RE = /^[0-9]+$/;
const ALIAS_RE = /^[a-zA-Z0-9_-]{1,128}$/;
const PARTITION_RE = /^aws(-[a-z]+)*$/;
// us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eu-isoe-west-1 ...
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;
const ACCOUNT_RE = /^[0-9]{12}$/;
/** Longest FunctionName the Invoke API accepts in ARN form. */
export const MAX_FUNCTION_NAME_INPUT = 256;

/** A version number ('1', '42'); '$LATEST' is not one. */
export function isVersionNumber(q: string): boolean {
  return VERSION_RE.test(q);
}

/** An alias name: [a-zA-Z0-9-_]{1,128}, not all digits. */
export function isAliasName(q: string): boolean {
  return ALIAS_RE.test(q) && !VERSION_RE.test(q);
}

/** Throws INVALID_PARAMETER unless q is '$LATEST', a version number or an alias name. */
export function checkQualifier(q: string, what = 'qualifier'): void {
  if (!QUALIFIER_RE.test(q)) {
    throw new NanolambdaError(
      'INVALID_PARAMETER',
      `Invalid ${what} '${q}': expected $LATEST, a version number or an alias name (1-128 of [a-zA-Z0-9-_])`,
    );
  }
}

function invalid(input: string, reason: string): NanolambdaError {
  return new NanolambdaError('INVALID_PARAMETER', `Invalid function name '${input}': ${reason}`);
}

/**
 * Parse any FunctionName form. Throws NanolambdaError INVALID_PARAMETER
 * naming the input and what is wrong with it.
 */
export function parseFunctionName(input: string): FunctionName {
  if (typeof input !== 'string' || input.length === 0) {
    throw new NanolambdaError('INVALID_PARAMETER', 'Invalid function name: it is empty');
  }
  if (input.length > MAX_FUNCTION_NAME_INPUT) {
    throw invalid(input.slice(0, 64) + '...', `longer than ${MAX_FUNCTION_NAME_INPUT} characters (${input.length})`);
  }
  const parts = input.split(':');
  if (parts[0] === 'arn') return parseFullArn(input, parts);

  // Short forms: find the 'function' keyword, if any, to know where the name
  // is. A last part 'function' is a name or a qualifier, not the keyword.
  const fnAt = parts.slice(0, -1).indexOf('function');
  let region: string | undefined;
  let accountId: string | undefined;
  let rest: string[];
  if (fnAt === -1) {
    rest = parts; // name[:qualifier]
  } else if (fnAt === 0) {
    rest = parts.slice(1); // function:name[:q]
  } else if (fnAt === 1) {
    accountId = parts[0]; // account:function:name[:q]
    rest = parts.slice(2);
  } else if (fnAt === 2) {
    region = parts[0]; // region:account:function:name[:q]
    accountId = parts[1];
    rest = parts.slice(3);
  } else {
    throw invalid(input, 'expected name, name:qualifier, 123456789012:function:name[:qualifier] or a full ARN');
  }
  if (region !== undefined && !REGION_RE.test(region)) throw invalid(input, `'${region}' is not a region`);
  if (accountId !== undefined && !ACCOUNT_RE.test(accountId)) {
    throw invalid(input, `the account id '${accountId}' must be 12 digits`);
  }
  const { name, qualifier } = nameAndQualifier(input, rest);
  return { partition: undefined, region, accountId, name, qualifier };
}

function parseFullArn(input: string, parts: string[]): FunctionArn {
  // arn : partition : lambda : region : account : function : name [: qualifier]
  if (parts.length < 7 || parts.length > 8 || parts[2] !== 'lambda' || parts[5] !== 'function') {
    throw invalid(input, 'expected arn:aws:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>]');
  }
  const [, partition, , region, accountId] = parts as [string, string, string, string, string];
  if (!PARTITION_RE.test(partition)) throw invalid(input, `'${partition}' is not a partition (aws, aws-cn, ...)`);
  // Reserved (system) ARNs have an empty region and account; otherwise both are required.
  const reserved = region === '' && accountId === '';
  if (!reserved) {
    if (!REGION_RE.test(region)) throw invalid(input, `'${region}' is not a region (like us-east-1)`);
    if (!ACCOUNT_RE.test(accountId)) throw invalid(input, `the account id '${accountId}' must be 12 digits`);
  }
  const { name, qualifier } = nameAndQualifier(input, parts.slice(6));
  return { partition, region, accountId, name, qualifier };
}

function nameAndQualifier(input: string, rest: string[]): { name: string; qualifier: string | undefined } {
  if (rest.length === 0 || rest.length > 2) {
    throw invalid(input, 'expected <name> or <name>:<qualifier> after the prefix');
  }
  const name = rest[0]!;
  if (!NAME_RE.test(name)) {
    throw invalid(input, `the name '${name}' must be 1-64 of [a-zA-Z0-9-_.]`);
  }
  const qualifier = rest[1];
  if (qualifier !== undefined && !QUALIFIER_RE.test(qualifier)) {
    throw invalid(input, `the qualifier '${qualifier}' must be $LATEST, a version number or an alias name (1-128 of [a-zA-Z0-9-_])`);
  }
  return { name, qualifier };
}

/**
 * Parse a full function ARN (arn:...:function:name[:q]), refusing the short
 * forms. Reserved ARNs (empty region and account) are accepted.
 */
export function parseFunctionArn(input: string): FunctionArn {
  if (!input.startsWith('arn:')) {
    throw invalid(input, 'expected a full ARN: arn:aws:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>]');
  }
  return parseFunctionName(input) as FunctionArn;
}

/** True for a full function ARN (any partition), without validating it. */
export function looksLikeFunctionArn(s: string): boolean {
  return s.startsWith('arn:') && s.includes(':lambda:');
}

/** arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>] */
export function formatFunctionArn(p: {
  partition?: string | undefined;
  region: string;
  accountId: string;
  name: string;
  qualifier?: string | undefined;
}): string {
  const base = `arn:${p.partition ?? 'aws'}:lambda:${p.region}:${p.accountId}:function:${p.name}`;
  return p.qualifier === undefined ? base : `${base}:${p.qualifier}`;
}
