// Which group entry runs for a FunctionName (+ optional Qualifier). On the
// hot invoke path: after the first resolution of an input string, the answer
// is one Map lookup.
//
// Rules (Lambda's, applied to a Greengrass group whose entries are qualified ARNs):
// - A qualifier in the name and a different `qualifier` argument conflict.
// - Region/account, when the name gives them, must equal the entry's.
// - With a qualifier q:
//   1. the entry whose own qualifier is q (a version, an alias or $LATEST);
//   2. q a version number: the first entry (group order) that runs version q,
//      e.g. `echo:1` reaches the entry `echo:live` when the alias live -> 1;
//   3. q an alias: Aliases[<unqualified ARN>:q] gives a version v, then the
//      entry whose qualifier is v or, failing that, the first that runs v.
//   `$LATEST` is not special: it needs an entry qualified `$LATEST` (or one
//   running it), because Greengrass deploys versions, not $LATEST.
// - No qualifier (Lambda's "unqualified = $LATEST"): the `$LATEST` entry if
//   there is one, else the function's only entry, else INVALID_PARAMETER
//   listing the qualifiers to choose from.
// - executedVersion is the version that runs: the entry's `version` (see
//   FunctionSpec), or v for an alias resolved through Aliases, or q for 2.
// - invokedArn is the full ARN the caller addressed, with the qualifier it
//   asked for (none when it asked for none), as Lambda's invokedFunctionArn.
import { NanolambdaError } from '../errors';
import type { FunctionSpec, GroupConfig } from '../config/types';
import { checkQualifier, formatFunctionArn, isVersionNumber, parseFunctionName, type FunctionName } from './arn';

export interface ResolvedFunction {
  fn: FunctionSpec;
  /** '$LATEST' or the version number that runs. */
  executedVersion: string;
  /** The full ARN as invoked: arn:...:function:name[:qualifier]. */
  invokedArn: string;
}

/** Successful resolutions kept; beyond this the cache starts over (inputs are attacker-controlled over HTTP). */
const MAX_CACHED = 4096;

export class FunctionRegistry {
  readonly functions: readonly FunctionSpec[];
  private readonly byName = new Map<string, FunctionSpec[]>();
  private readonly aliases: ReadonlyMap<string, string>;
  /** By exact input, unqualified calls and qualified calls apart (so no key can collide). */
  private readonly cache = new Map<string, ResolvedFunction>();
  private readonly cacheQualified = new Map<string, ResolvedFunction>();
  /** Region/account used to spell the ARN in "not found" messages for short names. */
  private readonly home: { region: string; accountId: string } | undefined;

  constructor(group: Pick<GroupConfig, 'functions' | 'aliases'>) {
    this.functions = group.functions;
    this.aliases = group.aliases;
    for (const fn of group.functions) {
      const list = this.byName.get(fn.name);
      if (list) list.push(fn);
      else this.byName.set(fn.name, [fn]);
    }
    const first = group.functions[0];
    this.home = first ? { region: first.region, accountId: first.accountId } : undefined;
  }

  /** Every entry of the function with this bare name (group order). */
  entriesOf(name: string): readonly FunctionSpec[] {
    return this.byName.get(name) ?? [];
  }

  /**
   * Resolve a FunctionName (any form) and optional qualifier to the entry that
   * runs. Throws NanolambdaError INVALID_PARAMETER (malformed name, conflicting
   * or missing qualifier) or FUNCTION_NOT_FOUND (`Function not found: <arn>`).
   */
  resolve(nameOrArn: string, qualifier?: string): ResolvedFunction {
    // Qualified key: qualifier NUL name. Only valid qualifiers (no NUL) are
    // ever stored, so a hostile input cannot hit another input's entry.
    const cache = qualifier === undefined ? this.cache : this.cacheQualified;
    const key = qualifier === undefined ? nameOrArn : `${qualifier}\u0000${nameOrArn}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const resolved = Object.freeze(this.resolveUncached(nameOrArn, qualifier));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, resolved);
    return resolved;
  }

  /** Like resolve, but undefined instead of FUNCTION_NOT_FOUND / INVALID_PARAMETER. */
  tryResolve(nameOrArn: string, qualifier?: string): ResolvedFunction | undefined {
    try {
      return this.resolve(nameOrArn, qualifier);
    } catch (err) {
      if (NanolambdaError.is(err) && (err.code === 'FUNCTION_NOT_FOUND' || err.code === 'INVALID_PARAMETER')) {
        return undefined;
      }
      throw err;
    }
  }

  private resolveUncached(input: string, qualifierArg: string | undefined): ResolvedFunction {
    const parsed = parseFunctionName(input);
    if (qualifierArg !== undefined) {
      checkQualifier(qualifierArg);
      if (parsed.qualifier !== undefined && parsed.qualifier !== qualifierArg) {
        throw new NanolambdaError(
          'INVALID_PARAMETER',
          `Qualifier '${qualifierArg}' conflicts with the qualifier '${parsed.qualifier}' in the function name '${input}'`,
        );
      }
    }
    const q = parsed.qualifier ?? qualifierArg;
    const candidates = (this.byName.get(parsed.name) ?? []).filter(
      (fn) =>
        (parsed.region === undefined || parsed.region === fn.region) &&
        (parsed.accountId === undefined || parsed.accountId === fn.accountId) &&
        (parsed.partition === undefined || fn.unqualifiedArn.startsWith(`arn:${parsed.partition}:`)),
    );
    if (candidates.length === 0) throw this.notFound(parsed, q, undefined);

    if (q === undefined) {
      const fn = candidates.find((c) => c.qualifier === '$LATEST') ?? (candidates.length === 1 ? candidates[0] : undefined);
      if (!fn) {
        throw new NanolambdaError(
          'INVALID_PARAMETER',
          `Function '${input}' has several entries in the group; give a qualifier: ${candidates.map((c) => c.qualifier).join(', ')}`,
        );
      }
      return { fn, executedVersion: fn.version, invokedArn: fn.unqualifiedArn };
    }

    const exact = candidates.find((c) => c.qualifier === q);
    if (exact) return { fn: exact, executedVersion: exact.version, invokedArn: `${exact.unqualifiedArn}:${q}` };

    if (isVersionNumber(q) || q === '$LATEST') {
      const running = candidates.find((c) => c.version === q);
      if (running) return { fn: running, executedVersion: q, invokedArn: `${running.unqualifiedArn}:${q}` };
    } else {
      for (const c of candidates) {
        const version = this.aliases.get(`${c.unqualifiedArn}:${q}`);
        if (version === undefined) continue;
        const fn = candidates.find((e) => e.qualifier === version) ?? candidates.find((e) => e.version === version);
        if (fn) return { fn, executedVersion: version, invokedArn: `${c.unqualifiedArn}:${q}` };
      }
    }
    throw this.notFound(parsed, q, candidates[0]);
  }

  private notFound(parsed: FunctionName, qualifier: string | undefined, like: FunctionSpec | undefined): NanolambdaError {
    // Spell the ARN as Lambda does: the caller's region/account when given,
    // else the matching function's, else the group's (its first function's).
    const region = parsed.region ?? like?.region ?? this.home?.region ?? '';
    const accountId = parsed.accountId ?? like?.accountId ?? this.home?.accountId ?? '';
    const arn = formatFunctionArn({ partition: parsed.partition, region, accountId, name: parsed.name, qualifier });
    return new NanolambdaError('FUNCTION_NOT_FOUND', `Function not found: ${arn}`);
  }
}
