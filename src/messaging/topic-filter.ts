// MQTT topics and topic filters as Greengrass V1 routes them.
//
// Matching follows MQTT 3.1.1 with Greengrass's one difference: `a/#` needs
// the `a/` separator, so it matches `a/`, `a/b`, `a/b/c` but NOT `a` (MQTT
// would match `a` too). `#` alone matches every topic. As in MQTT, a filter
// starting with a wildcard does not match topics starting with `$` (such as
// `$aws/things/...`): subscribe to those explicitly.
import { NanolambdaError } from '../errors';

/** Longest topic or filter, in UTF-8 bytes (Greengrass/AWS IoT limit). */
export const MAX_TOPIC_BYTES = 256;

// A lone UTF-16 surrogate cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` is not usable as a topic or filter string, or undefined when it is. */
function stringProblem(s: string): string | undefined {
  if (typeof s !== 'string') return `expected a string, found ${typeof s}`;
  if (s.length === 0) return 'it is empty';
  if (s.includes('\u0000')) return 'it contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'it is not valid UTF-8 (lone surrogate)';
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) return `it is ${bytes} bytes long; the limit is ${MAX_TOPIC_BYTES} bytes of UTF-8`;
  return undefined;
}

/** Why `topic` cannot be published to, or undefined when it can. */
export function topicProblem(topic: string): string | undefined {
  const p = stringProblem(topic);
  if (p) return p;
  if (topic.includes('+') || topic.includes('#')) return "wildcards ('+', '#') are not allowed in a published topic";
  return undefined;
}

/** Throws INVALID_PARAMETER naming the topic unless it is a valid topic to publish to. */
export function checkTopic(topic: string): void {
  const p = topicProblem(topic);
  if (p) throw new NanolambdaError('INVALID_PARAMETER', `Invalid topic '${String(topic).slice(0, 300)}': ${p}`);
}

/** Decode a topic received as bytes, refusing invalid UTF-8 (INVALID_PARAMETER). */
export function decodeTopic(bytes: Uint8Array): string {
  let topic: string;
  try {
    topic = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NanolambdaError('INVALID_PARAMETER', `Invalid topic (${bytes.length} bytes): it is not valid UTF-8`);
  }
  checkTopic(topic);
  return topic;
}

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  const p = stringProblem(filter);
  if (p) return p;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#')) {
      if (level !== '#') return `'#' must be a whole level (found '${level}')`;
      if (i !== levels.length - 1) return "'#' is allowed only as the last level";
    } else if (level.includes('+') && level !== '+') {
      return `'+' must be a whole level (found '${level}')`;
    }
  }
  return undefined;
}

/** A validated topic filter, split once so matching does no parsing. */
export class TopicFilter {
  readonly filter: string;
  private readonly levels: readonly string[];
  private readonly multi: boolean; // ends in '#'
  private readonly exact: boolean; // no wildcards: plain string equality

  /** Throws INVALID_PARAMETER naming the filter when it is malformed. */
  constructor(filter: string) {
    const p = filterProblem(filter);
    if (p) throw new NanolambdaError('INVALID_PARAMETER', `Invalid topic filter '${String(filter).slice(0, 300)}': ${p}`);
    this.filter = filter;
    this.levels = filter.split('/');
    this.multi = this.levels[this.levels.length - 1] === '#';
    this.exact = !filter.includes('+') && !this.multi;
  }

  /** Does a (valid) topic match? `topicLevels` may be passed when already split. */
  matches(topic: string, topicLevels: readonly string[] = topic.split('/')): boolean {
    if (this.exact) return topic === this.filter;
    const levels = this.levels;
    if (topic.charCodeAt(0) === 0x24 /* $ */ && (levels[0] === '+' || levels[0] === '#')) return false;
    const fixed = this.multi ? levels.length - 1 : levels.length;
    // Greengrass: `a/#` needs at least one level after `a` (possibly empty, as in `a/`).
    if (this.multi ? topicLevels.length <= fixed && fixed > 0 : topicLevels.length !== fixed) return false;
    for (let i = 0; i < fixed; i++) {
      const f = levels[i]!;
      if (f !== '+' && f !== topicLevels[i]) return false;
    }
    return true;
  }
}

/**
 * Whether every topic `requested` (a valid filter) matches is matched by
 * `allowed` too, with the matching rules above: what a device may subscribe
 * to, given the filters of the subscriptions that target it.
 */
export function filterCovers(allowed: TopicFilter, requested: string): boolean {
  const a = allowed.filter.split('/');
  const r = requested.split('/');
  // A leading wildcard never matches `$` topics, so it cannot cover a filter fixed on one.
  if ((a[0] === '+' || a[0] === '#') && r[0]!.startsWith('$')) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return i === 0 || r.length > i; // `x/#` needs a level after x, in r too
    if (i >= r.length || r[i] === '#') return false;
    if (a[i] !== '+' && a[i] !== r[i]) return false;
  }
  return a.length === r.length;
}

/** One-off match of a topic against a filter (both validated). */
export function topicMatches(filter: string, topic: string): boolean {
  return new TopicFilter(filter).matches(topic);
}
