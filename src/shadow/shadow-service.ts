// GGShadowService: the local thing shadow service of Greengrass V1, with AWS
// IoT Device Shadow semantics for the classic (unnamed) shadow
// (greengrass-v1.md §8). Two ways in:
// - request(): an SDK call (gg_get/update/delete_thing_shadow and the Python
//   and Node SDKs). The caller gets the answer; an accepted update also
//   publishes /update/accepted, /update/delta (when due) and
//   /update/documents, and an accepted delete /delete/accepted, as AWS IoT
//   does for its HTTP API, so devices subscribed to those topics learn of
//   it. Gets and refusals publish nothing.
// - onMessage(): a message routed to GGShadowService on a request topic;
//   everything, refusals included, is answered by publications.
//
// Every request gets exactly one answer: a refusal is an error document,
// and a failure of the disk is a 500, never an exception.
//
// Where AWS IoT's documentation is silent, each choice is written down
// where it is made: what is measured for 413, 415 for non-UTF-8, ignored
// top-level keys and get/delete bodies (shadow-request.ts); no empty
// objects in the stored state, metadata per array element
// (shadow-document.ts); when a delta is published (shadow-delta.ts); a
// re-created shadow continuing the numbering (shadow-store.ts).
import { NanolambdaError } from '../errors';
import { type JsonObject } from './json-tree';
import { applyUpdate, requestEcho, sectionOf, stateBytes } from './shadow-document';
import { deltaDue, deltaMetadata, deltaOf } from './shadow-delta';
import { errorDocument, noShadow, SHADOW_MESSAGES, ShadowRejection, shortForm } from './shadow-rejection';
import { checkThingName, decodePayload, parseBody, readClientToken, readUpdate } from './shadow-request';
import { ShadowStore } from './shadow-store';
import { isShadowOp, parseRequestTopic, responseTopic, type ShadowOp } from './shadow-topics';

export type { ShadowOp } from './shadow-topics';

/** The classic AWS IoT limit on a shadow document, in bytes. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 8192;

export interface ShadowPublication {
  topic: string;
  payload: Buffer;
}

export interface ShadowAnswer {
  /** true: accepted (payload is the accepted/get document); false: rejected (payload is the error JSON). */
  accepted: boolean;
  payload: Buffer;
  /** What the service publishes as source "GGShadowService" because of this request (in order). */
  publications: ShadowPublication[];
}

export interface ShadowServiceOptions {
  /**
   * Largest request payload, and largest stored state (desired and
   * reported as compact JSON, without metadata), in bytes; over it a request
   * is refused with 413. Default DEFAULT_MAX_DOCUMENT_BYTES.
   */
  maxDocumentBytes?: number;
  /** The clock, in ms since the epoch (documents carry whole seconds). Default Date.now. */
  now?: () => number;
}

/** An operation's outcome, before it is addressed to the caller or to topics. */
interface Outcome {
  accepted: boolean;
  payload: Buffer;
  /** Publications after the accepted one: /update/delta and /update/documents. */
  events: ShadowPublication[];
}

export class ShadowService {
  private readonly store: ShadowStore;
  private readonly maxDocumentBytes: number;
  private readonly now: () => number;

  /** Nothing is opened until the first request. Throws INVALID_PARAMETER for a bad option. */
  constructor(stateDir: string, options: ShadowServiceOptions = {}) {
    const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new NanolambdaError(
        'INVALID_PARAMETER',
        `maxDocumentBytes of the shadow service must be a whole number of bytes from 1, not ${maxBytes}`,
      );
    }
    this.maxDocumentBytes = maxBytes;
    this.now = options.now ?? Date.now;
    this.store = new ShadowStore(stateDir);
  }

  /** An SDK call (gg_get/update/delete_thing_shadow, or a Python/Node SDK call). */
  request(thingName: string, op: ShadowOp, payload: Buffer): ShadowAnswer {
    const outcome = this.handle(thingName, op, payload);
    const publications: ShadowPublication[] = [];
    if (outcome.accepted && op !== 'get') {
      publications.push({ topic: responseTopic(thingName, op, 'accepted'), payload: outcome.payload }, ...outcome.events);
    }
    return { accepted: outcome.accepted, payload: outcome.payload, publications };
  }

  /**
   * A message routed to GGShadowService on `topic`. undefined when the topic
   * is not a shadow request topic `$aws/things/<thing>/shadow/{get,update,delete}`
   * (the caller counts it as unroutable); otherwise the publications
   * (accepted/rejected/delta/documents) to route as source GGShadowService.
   */
  onMessage(topic: string, payload: Buffer): ShadowPublication[] | undefined {
    const request = parseRequestTopic(topic);
    if (!request) return undefined;
    const { thingName, op } = request;
    const outcome = this.handle(thingName, op, payload);
    return [
      { topic: responseTopic(thingName, op, outcome.accepted ? 'accepted' : 'rejected'), payload: outcome.payload },
      ...outcome.events,
    ];
  }

  /** Close the store; later requests are answered with 500. */
  close(): void {
    this.store.close();
  }

  private handle(thingName: string, op: ShadowOp, payload: Buffer): Outcome {
    // One clock reading per request: every document it produces agrees.
    const timestamp = Math.floor(this.now() / 1000);
    let clientToken: string | undefined;
    try {
      const name = checkThingName(thingName);
      if (!isShadowOp(op)) throw new ShadowRejection(400, `Invalid operation ('${shortForm(String(op))}': expected get, update or delete)`);
      const body = parseBody(decodePayload(payload, this.maxDocumentBytes), op !== 'update');
      clientToken = readClientToken(body);
      if (op === 'get') return this.get(name, timestamp, clientToken);
      if (op === 'delete') return this.delete(name, timestamp, clientToken);
      return this.update(name, body, timestamp, clientToken);
    } catch (error) {
      const rejection =
        error instanceof ShadowRejection
          ? error
          : new ShadowRejection(500, `${SHADOW_MESSAGES.internal} (${(error as Error)?.message ?? String(error)})`);
      return { accepted: false, payload: errorDocument(rejection, timestamp, clientToken), events: [] };
    }
  }

  private get(thingName: string, timestamp: number, clientToken: string | undefined): Outcome {
    const current = this.store.read(thingName);
    if (current?.damage) throw new Error(current.damage);
    if (!current?.document) throw noShadow(thingName);
    const { state, metadata } = current.document;
    const delta = deltaOf(sectionOf(state, 'desired'), sectionOf(state, 'reported'));
    const answer = { state: delta ? { ...state, delta } : state, metadata, version: current.version, timestamp };
    return { accepted: true, payload: toPayload(answer, clientToken), events: [] };
  }

  private delete(thingName: string, timestamp: number, clientToken: string | undefined): Outcome {
    const version = this.store.change(thingName, (current) => {
      // A damaged row can still be deleted: that is how a user recovers it.
      if (!current || (!current.document && !current.damage)) throw noShadow(thingName);
      return { next: { version: current.version, document: undefined }, result: current.version };
    });
    return { accepted: true, payload: toPayload({ version, timestamp }, clientToken), events: [] };
  }

  private update(thingName: string, body: JsonObject, timestamp: number, clientToken: string | undefined): Outcome {
    const update = readUpdate(body);
    const { previous, current, version } = this.store.change(thingName, (stored) => {
      if (stored?.damage) throw new Error(stored.damage);
      // A deleted shadow keeps its version (shadow-store.ts); a new thing is at 0.
      const currentVersion = stored?.version ?? 0;
      if (update.version !== undefined && update.version !== currentVersion) {
        throw new ShadowRejection(409, SHADOW_MESSAGES.versionConflict);
      }
      const next = applyUpdate(stored?.document, update, timestamp);
      const bytes = stateBytes(next);
      if (bytes > this.maxDocumentBytes) {
        throw new ShadowRejection(
          413,
          `${SHADOW_MESSAGES.tooLarge} (the shadow's state would be ${bytes} bytes; the limit is ${this.maxDocumentBytes})`,
        );
      }
      const result = {
        previous: stored?.document ? { ...stored.document, version: currentVersion } : null,
        current: next,
        version: currentVersion + 1,
      };
      return { next: { version: result.version, document: next }, result };
    });

    const echo = requestEcho(update, timestamp);
    const accepted = toPayload({ state: echo.state, metadata: echo.metadata, version, timestamp }, clientToken);
    const events: ShadowPublication[] = [];
    const desired = sectionOf(current.state, 'desired');
    const reported = sectionOf(current.state, 'reported');
    if (deltaDue(update.desired, desired, reported)) {
      const delta = deltaOf(desired, reported)!;
      const metadata = deltaMetadata(delta, sectionOf(current.metadata, 'desired'));
      const payload = toPayload({ state: delta, metadata, version, timestamp }, clientToken);
      events.push({ topic: responseTopic(thingName, 'update', 'delta'), payload });
    }
    const documents = { previous, current: { ...current, version }, timestamp };
    events.push({ topic: responseTopic(thingName, 'update', 'documents'), payload: toPayload(documents, clientToken) });
    return { accepted: true, payload: accepted, events };
  }
}

/** A document as JSON, with the request's clientToken echoed when it had one. */
function toPayload(document: object, clientToken: string | undefined): Buffer {
  return Buffer.from(JSON.stringify(clientToken === undefined ? document : { ...document, clientToken }));
}
