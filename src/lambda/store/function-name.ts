// FunctionName in every form Lambda's management API takes, checked against
// the API model's own patterns so the same inputs pass and fail as on AWS:
//   my-fn                my-fn:PROD             (name, name:qualifier)
//   123456789012:function:my-fn[:q]             (partial ARN)
//   arn:aws:lambda:us-east-1:123456789012:function:my-fn[:q]   (full ARN)
// Unlike src/registry/arn.ts (the Greengrass group side), failures here are
// LambdaApiErrors in AWS's wording. Percent-decoding is the HTTP layer's job.
import { invalidParameter } from './lambda-api-error';
import { Violations } from './violations';

export interface ParsedFunctionName {
  name: string;
  /** '$LATEST', a version number or an alias name, when the input carried one. */
  qualifier?: string;
  /** The region of an ARN form, when given. */
  region?: string;
  /** The account of an ARN form, when given. */
  accountId?: string;
}

// The model's NamespacedFunctionName, anchored. Lookups allow '.' in names
// and $LATEST.PUBLISHED (neither can exist here: they are simply not found).
const NAME_OR_ARN_RE =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:((?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/;
/** The characters of a name CreateFunction accepts (the model's FunctionName has no '.'); length apart. */
const CREATABLE_NAME_RE = /^[a-zA-Z0-9_-]+$/;
const QUALIFIER_RE = /^(?:\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_$-]+)$/;
const VERSION_RE = /^[0-9]+$/;

/** The patterns as AWS prints them in ValidationException messages. */
const LOOKUP_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
const CREATE_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';

/** Longest FunctionName in ARN form: CreateFunction 140, the other operations 256. */
export const MAX_CREATE_ARN_LENGTH = 140;
export const MAX_LOOKUP_LENGTH = 256;
export const MAX_NAME_LENGTH = 64;
export const MAX_QUALIFIER_LENGTH = 128;

/**
 * Parse a FunctionName for a lookup (Get, Update, Delete, Invoke, ...).
 * Throws ValidationException when it matches none of the forms.
 */
export function parseFunctionName(input: unknown): ParsedFunctionName {
  const violations = new Violations();
  if (typeof input !== 'string') {
    violations.add(input, 'functionName', nullOrString(input));
  } else if (input.length === 0) {
    violations.add(input, 'functionName', 'Member must have length greater than or equal to 1');
  } else if (input.length > MAX_LOOKUP_LENGTH) {
    violations.add(input, 'functionName', `Member must have length less than or equal to ${MAX_LOOKUP_LENGTH}`);
  } else {
    const parsed = matchName(input);
    if (parsed) return parsed;
    violations.add(input, 'functionName', `Member must satisfy regular expression pattern: ${LOOKUP_PATTERN}`);
  }
  throw violations.toError('ValidationException');
}

/**
 * Parse CreateFunction's FunctionName: a bare name of 1-64 [a-zA-Z0-9-_] or an
 * unqualified ARN of at most 140 characters. Like Lambda, a bad bare name is an
 * InvalidParameterValueException and a bad ARN a ValidationException.
 */
export function parseNewFunctionName(input: unknown): ParsedFunctionName {
  const violations = new Violations();
  if (typeof input !== 'string') {
    violations.add(input, 'functionName', nullOrString(input));
    throw violations.toError('ValidationException');
  }
  const bare = !input.includes(':');
  const parsed = matchName(input);
  if (!parsed || !CREATABLE_NAME_RE.test(parsed.name) || input.length === 0) {
    violations.add(input, 'functionName', `Member must satisfy regular expression pattern: ${CREATE_PATTERN}`);
  }
  const max = bare ? MAX_NAME_LENGTH : MAX_CREATE_ARN_LENGTH;
  if (input.length > max) violations.add(input, 'functionName', `Member must have length less than or equal to ${max}`);
  else if (!bare && parsed && parsed.name.length > MAX_NAME_LENGTH) {
    // The ARN fits in 140 characters, the name inside it does not fit in 64.
    violations.add(parsed.name, 'functionName', `Member must have length less than or equal to ${MAX_NAME_LENGTH}`);
  }
  if (violations.size > 0) throw violations.toError(bare ? 'InvalidParameterValueException' : 'ValidationException');
  if (parsed!.qualifier !== undefined) {
    throw invalidParameter(
      `The function name '${input}' ends in a qualifier (':${parsed!.qualifier}'): ` +
        'CreateFunction takes an unqualified name or ARN; versions are made with PublishVersion, aliases with CreateAlias.',
    );
  }
  return parsed!;
}

function nullOrString(input: unknown): string {
  return input === undefined || input === null ? 'Member must not be null' : 'Member must be a string';
}

function matchName(input: string): ParsedFunctionName | undefined {
  const m = NAME_OR_ARN_RE.exec(input);
  if (!m) return undefined;
  const parsed: ParsedFunctionName = { name: m[3]! };
  if (m[4] !== undefined) parsed.qualifier = m[4];
  if (m[1] !== undefined) parsed.region = m[1];
  if (m[2] !== undefined) parsed.accountId = m[2];
  return parsed;
}

/** Check an explicit Qualifier parameter. Throws ValidationException. */
export function checkQualifier(qualifier: unknown): string {
  const violations = new Violations();
  if (typeof qualifier !== 'string') {
    violations.add(qualifier, 'qualifier', 'Member must be a string');
  } else {
    if (qualifier.length === 0) violations.add(qualifier, 'qualifier', 'Member must have length greater than or equal to 1');
    if (qualifier.length > MAX_QUALIFIER_LENGTH) {
      violations.add(qualifier, 'qualifier', `Member must have length less than or equal to ${MAX_QUALIFIER_LENGTH}`);
    }
    if (qualifier.length > 0 && !QUALIFIER_RE.test(qualifier)) {
      violations.add(qualifier, 'qualifier', `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`);
    }
  }
  violations.throwIfAny();
  return qualifier as string;
}

/**
 * The one qualifier a request names: from the FunctionName, the Qualifier
 * parameter, or both when they agree. undefined means unqualified ($LATEST).
 */
export function effectiveQualifier(parsed: ParsedFunctionName, given: string | undefined): string | undefined {
  if (given === undefined) return parsed.qualifier;
  const checked = checkQualifier(given);
  if (parsed.qualifier !== undefined && parsed.qualifier !== checked) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return checked;
}

/** A published version's number ('1', '42'); '$LATEST' is not one. */
export function isVersionNumber(qualifier: string): boolean {
  return VERSION_RE.test(qualifier);
}

/** arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>] */
export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}
