// Runs a gateway's event sources (schedules and watched directories) and
// serves the Lambda API's event source mapping operations over them.
//
// Mappings come from two places: the group file's Nanolambda.EventSources
// (useConfigured, at start and at every deploy; read-only through the API)
// and CreateEventSourceMapping (stored in <StateDir>/event-sources.db,
// started again with the runtime). Each event is an Event invocation through
// the Invoker: stored durably and retried by the runtime. An invocation that
// cannot even be accepted (function gone, queue full) is logged and shown as
// the mapping's LastProcessingResult; a directory keeps the file to try again.
//
// A mapping that changes is stopped and started again; the new runner starts
// only once the old one is idle, so what the old one had under way is
// recorded before the new one loads what was delivered (else a file being
// delivered during the change would be delivered twice). What must be
// forgotten when a mapping goes is forgotten then too, after the last record.
//
// Lifecycle: construct, useConfigured(group's sources), start(); then
// useConfigured again at each deploy; close() at shutdown, before the
// runtime stops accepting invocations.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { NanolambdaError } from '../errors';
import type { Invoker } from '../invoke-types';
import { conflict, invalidParameter, notFound } from '../lambda/store/lambda-api-error';
import { decodeMarker, encodeMarker, pageSize } from '../lambda/store/paging';
import { parseFunctionName } from '../registry/arn';
import { DirectorySource, type CompleteFile } from './directory-source';
import { EventSourceStore } from './event-source-store';
import {
  configMappingUuid,
  DEFAULT_SETTLE_MS,
  regionAndAccount,
  sameSource,
  type ConfiguredEventSource,
  type Mapping,
  type SourceSpec,
} from './mapping';
import {
  mappingConfiguration,
  type EventSourceMappingConfiguration,
  type EventSourceMappings,
  type ListMappingsQuery,
  type MappingList,
} from './mapping-api';
import { parseCreateRequest, parseUpdateRequest } from './mapping-requests';
import { objectCreatedEvent } from './s3-event';
import { scheduledEvent } from './scheduled-event';
import { parseScheduleExpression } from './schedule-expression';
import { ScheduleRunner } from './schedule-runner';
import { bucketArn, parseEventSourceArn, scheduleArn, type EventSource } from './source-arn';

export type EventSourceLogLevel = 'info' | 'warn' | 'error';

export interface EventSourceManagerOptions {
  stateDir: string;
  invoker: Invoker;
  log(level: EventSourceLogLevel, message: string): void;
  /**
   * The full ARN a FunctionName (any form) reaches now, or undefined when it
   * reaches no function: the runtime's `registry.tryResolve(name)?.invokedArn`.
   */
  functionArn(name: string): string | undefined;
  /** Between full rescans of each watched directory; default 10 s. */
  rescanMs?: number;
}

const DEFAULT_RESCAN_MS = 10_000;
const NOTHING_YET = 'No records processed';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Runner {
  stop(): void;
  /** Resolves when work begun before stop() has finished (a directory's deliveries). */
  idle?(): Promise<void>;
}

export class EventSourceManager implements EventSourceMappings {
  private readonly store: EventSourceStore;
  private readonly rescanMs: number;
  private configured = new Map<string, Mapping>();
  private readonly api = new Map<string, Mapping>();
  private readonly runners = new Map<string, Runner>();
  /** Per mapping, settles once its stopped runners are idle and what waited for that has run. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly lastResults = new Map<string, string>();
  /** Invocations and directory deliveries under way (close waits for them). */
  private readonly underWay = new Set<Promise<unknown>>();
  private started = false;
  private closed = false;

  constructor(private readonly options: EventSourceManagerOptions) {
    this.store = new EventSourceStore(options.stateDir);
    this.rescanMs = options.rescanMs ?? DEFAULT_RESCAN_MS;
  }

  /** The group file's sources: new ones start, removed ones stop (and forget), unchanged ones keep running. */
  useConfigured(sources: readonly ConfiguredEventSource[]): void {
    if (this.closed) return;
    const next = new Map<string, Mapping>();
    for (const source of sources) {
      const uuid = configMappingUuid(source.id);
      const before = this.configured.get(uuid);
      const unchanged =
        before !== undefined &&
        before.functionName === source.functionName &&
        before.enabled === source.enabled &&
        sameSource(before.source, source.source);
      if (unchanged) {
        // The same name may reach another entry of the new group (its ARN shows in events).
        before.functionArn = this.options.functionArn(source.functionName) ?? before.functionArn;
        next.set(uuid, before);
      } else {
        next.set(uuid, this.configuredMapping(uuid, source));
      }
    }
    for (const [uuid, before] of this.configured) {
      const after = next.get(uuid);
      if (after === before) continue;
      if (after === undefined) this.halt(uuid, () => this.forget(() => this.store.forgetState(uuid)));
      else if (!after.enabled) this.halt(uuid, () => this.forget(() => this.store.forgetSchedule(uuid)));
      else this.halt(uuid);
    }
    const previous = this.configured;
    this.configured = next;
    for (const [uuid, mapping] of next) {
      if (previous.get(uuid) !== mapping) this.run(mapping);
    }
  }

  /** Start the configured mappings and those the API stored in an earlier run. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.store.exists) {
      try {
        for (const stored of this.store.listMappings()) {
          try {
            this.api.set(stored.uuid, { ...stored, origin: { kind: 'api' }, source: this.sourceSpec(parseEventSourceArn(stored.eventSourceArn)) });
          } catch (error) {
            this.options.log('error', `event source mapping ${stored.uuid} is not run: ${(error as Error).message}`);
          }
        }
      } catch (error) {
        this.options.log('error', `cannot load the event source mappings of ${this.store.file}: ${(error as Error).message}`);
      }
    }
    for (const mapping of this.all()) this.run(mapping);
  }

  /** Stop every source and wait for what is under way; the store closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const uuid of [...this.runners.keys()]) this.halt(uuid);
    while (this.underWay.size > 0) await Promise.allSettled([...this.underWay]);
    this.store.close();
  }

  createMapping(body: Record<string, unknown>): EventSourceMappingConfiguration {
    this.checkOpen();
    const request = parseCreateRequest(body);
    const functionArn = this.resolve(request.functionName);
    const duplicate = this.all().find((m) => m.eventSourceArn === request.eventSourceArn && m.functionArn === functionArn);
    if (duplicate !== undefined) {
      throw conflict(
        `An event source mapping with event source (${request.eventSourceArn}) and function (${functionArn}) already exists. ` +
          `Please update or delete the existing mapping with UUID ${duplicate.uuid}`,
      );
    }
    const mapping: Mapping = {
      uuid: randomUUID(),
      origin: { kind: 'api' },
      functionName: request.functionName,
      functionArn,
      eventSourceArn: request.eventSourceArn,
      enabled: request.enabled,
      lastModifiedMs: Date.now(),
      source: this.sourceSpec(request.source),
    };
    this.store.putMapping(mapping);
    this.api.set(mapping.uuid, mapping);
    this.run(mapping);
    return this.configuration(mapping);
  }

  listMappings(query: ListMappingsQuery): MappingList {
    const size = pageSize(query.maxItems);
    const after = decodeMarker(query.marker, (key) => UUID.test(key));
    const wanted = query.functionName === undefined ? undefined : functionFilter(query.functionName);
    const matching = this.all()
      .filter((m) => query.eventSourceArn === undefined || m.eventSourceArn === query.eventSourceArn)
      .filter((m) => wanted === undefined || wanted(m.functionArn))
      .sort((a, b) => (a.uuid < b.uuid ? -1 : 1))
      .filter((m) => after === undefined || m.uuid > after);
    const page = matching.slice(0, size);
    const list: MappingList = { EventSourceMappings: page.map((m) => this.configuration(m)) };
    if (matching.length > size) list.NextMarker = encodeMarker(page[page.length - 1]!.uuid);
    return list;
  }

  getMapping(uuid: string): EventSourceMappingConfiguration {
    return this.configuration(this.find(uuid));
  }

  updateMapping(uuid: string, body: Record<string, unknown>): EventSourceMappingConfiguration {
    this.checkOpen();
    const mapping = this.writable(uuid, 'update');
    const request = parseUpdateRequest(body);
    const updated: Mapping = {
      ...mapping,
      functionName: request.functionName ?? mapping.functionName,
      functionArn: request.functionName === undefined ? mapping.functionArn : this.resolve(request.functionName),
      enabled: request.enabled ?? mapping.enabled,
      lastModifiedMs: Date.now(),
    };
    this.store.putMapping(updated);
    this.api.set(uuid, updated);
    // Enabled again later, a schedule starts afresh: no catch-up for the time it was off.
    if (!updated.enabled) this.halt(uuid, () => this.forget(() => this.store.forgetSchedule(uuid)));
    else this.halt(uuid);
    this.run(updated);
    return this.configuration(updated);
  }

  deleteMapping(uuid: string): EventSourceMappingConfiguration {
    this.checkOpen();
    const mapping = this.writable(uuid, 'delete');
    this.store.deleteMapping(uuid);
    // A delivery still under way records its file afterwards: forget that too.
    this.halt(uuid, () => this.forget(() => this.store.forgetState(uuid)));
    this.api.delete(uuid);
    const answer = mappingConfiguration(mapping, this.lastResults.get(uuid) ?? NOTHING_YET, true);
    this.lastResults.delete(uuid);
    return answer;
  }

  private all(): Mapping[] {
    return [...this.configured.values(), ...this.api.values()];
  }

  private find(uuid: string): Mapping {
    const mapping = this.configured.get(uuid) ?? this.api.get(uuid);
    if (mapping === undefined) throw notFound(`The resource you requested does not exist: no event source mapping has the UUID '${uuid}'`);
    return mapping;
  }

  private writable(uuid: string, action: string): Mapping {
    const mapping = this.find(uuid);
    if (mapping.origin.kind === 'config') {
      throw invalidParameter(
        `cannot ${action} event source mapping ${uuid}: it comes from the group file (Nanolambda.EventSources Id "${mapping.origin.id}"); ` +
          'change the group file and deploy it instead',
      );
    }
    return mapping;
  }

  private checkOpen(): void {
    if (this.closed) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopping: event source mappings cannot change now');
  }

  private resolve(functionName: string): string {
    const arn = this.options.functionArn(functionName);
    if (arn === undefined) throw notFound(`Function not found: ${functionName} (an event source mapping needs an existing function)`);
    return arn;
  }

  private configuration(mapping: Mapping): EventSourceMappingConfiguration {
    return mappingConfiguration(mapping, this.lastResults.get(mapping.uuid) ?? NOTHING_YET);
  }

  private configuredMapping(uuid: string, source: ConfiguredEventSource): Mapping {
    const spec = source.source;
    return {
      uuid,
      origin: { kind: 'config', id: source.id },
      functionName: source.functionName,
      // Checked against the group when it was loaded; the name as written is the fallback.
      functionArn: this.options.functionArn(source.functionName) ?? source.functionName,
      eventSourceArn: spec.kind === 'schedule' ? scheduleArn(spec.expression) : bucketArn(spec.bucket),
      enabled: source.enabled,
      lastModifiedMs: Date.now(),
      source: spec,
    };
  }

  /** An API source as a runnable spec: a local bucket lives under <StateDir>/buckets, keys may hold '/'. */
  private sourceSpec(source: EventSource): SourceSpec {
    if (source.kind === 'schedule') return { kind: 'schedule', expression: source.schedule.text, input: undefined };
    return {
      kind: 'directory',
      directory: path.join(this.options.stateDir, 'buckets', source.bucket),
      bucket: source.bucket,
      prefix: '',
      suffix: '',
      recursive: true,
      settleMs: DEFAULT_SETTLE_MS,
    };
  }

  private label(mapping: Mapping): string {
    return mapping.origin.kind === 'config' ? `event source "${mapping.origin.id}"` : `event source mapping ${mapping.uuid}`;
  }

  private run(mapping: Mapping): void {
    if (!this.started || this.closed || !mapping.enabled) return;
    const previous = this.stopping.get(mapping.uuid);
    const runner = previous === undefined ? this.startRunner(mapping) : new AfterPrevious(previous, () => this.startRunner(mapping));
    if (runner !== undefined) this.runners.set(mapping.uuid, runner);
  }

  private startRunner(mapping: Mapping): Runner | undefined {
    if (this.closed) return undefined;
    try {
      return mapping.source.kind === 'schedule' ? this.scheduleRunner(mapping, mapping.source) : this.directorySource(mapping, mapping.source);
    } catch (error) {
      this.lastResults.set(mapping.uuid, `PROBLEM: cannot start: ${(error as Error).message}`);
      this.options.log('error', `${this.label(mapping)}: cannot start: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Stop a mapping's runner; `afterwards` runs once it (and any runner stopped before it) is idle. */
  private halt(uuid: string, afterwards: () => void = () => undefined): void {
    const runner = this.runners.get(uuid);
    this.runners.delete(uuid);
    runner?.stop();
    // Never rejects: a runner started after it must start whatever happened.
    const done = this.track(
      Promise.all([this.stopping.get(uuid), runner?.idle?.()])
        .then(afterwards)
        .catch((error: Error) => this.options.log('error', `event source mapping ${uuid}: stopping: ${error.message}`)),
    );
    this.stopping.set(uuid, done);
    void done.finally(() => {
      if (this.stopping.get(uuid) === done) this.stopping.delete(uuid);
    });
  }

  private scheduleRunner(mapping: Mapping, spec: Extract<SourceSpec, { kind: 'schedule' }>): Runner {
    const runner = new ScheduleRunner({
      schedule: parseScheduleExpression(spec.expression),
      state: {
        load: () => this.store.scheduleAnchor(mapping.uuid),
        save: (expression, anchorMs) => this.store.setScheduleAnchor(mapping.uuid, expression, anchorMs),
      },
      fire: (timeMs) => {
        const payload =
          spec.input === undefined
            ? scheduledEvent({ timeMs, ...regionAndAccount(mapping.functionArn), resource: mapping.eventSourceArn })
            : Buffer.from(spec.input);
        this.track(this.invoke(mapping, payload)).catch((error: Error) =>
          this.options.log('error', `${this.label(mapping)}: cannot invoke ${mapping.functionName}: ${error.message}`),
        );
      },
      onError: (error) => this.options.log('error', `${this.label(mapping)}: cannot remember its last fire: ${error.message}`),
    });
    runner.start();
    return runner;
  }

  private directorySource(mapping: Mapping, spec: Extract<SourceSpec, { kind: 'directory' }>): Runner {
    const { region } = regionAndAccount(mapping.functionArn);
    const source = new DirectorySource({
      directory: spec.directory,
      recursive: spec.recursive,
      settleMs: spec.settleMs,
      prefix: spec.prefix,
      suffix: spec.suffix,
      create: mapping.origin.kind === 'api',
      rescanMs: this.rescanMs,
      records: {
        load: () => this.store.deliveredFiles(mapping.uuid, spec.directory),
        record: (key, version) => this.store.recordDelivered(mapping.uuid, spec.directory, key, version),
        forget: (keys) => this.store.forgetDelivered(mapping.uuid, spec.directory, keys),
      },
      deliver: (file: CompleteFile) =>
        this.track(
          this.invoke(
            mapping,
            objectCreatedEvent({
              region,
              eventTimeMs: file.mtimeMs,
              configurationId: mapping.uuid,
              bucket: spec.bucket,
              key: file.key,
              size: file.size,
              eTag: file.eTag,
              sequencer: file.sequencer,
            }),
          ),
        ),
      log: (level, message) => this.options.log(level, `${this.label(mapping)}: ${message}`),
    });
    source.start();
    return source;
  }

  /** An Event invocation; resolves once the runtime stored it, rejects when it could not (the caller logs). */
  private async invoke(mapping: Mapping, payload: Buffer): Promise<void> {
    try {
      await this.options.invoker.invoke(mapping.functionName, payload, { type: 'Event' });
      this.lastResults.set(mapping.uuid, 'OK');
    } catch (error) {
      this.lastResults.set(mapping.uuid, `PROBLEM: cannot invoke ${mapping.functionName}: ${(error as Error).message}`);
      throw error;
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.underWay.add(work);
    void work.finally(() => this.underWay.delete(work)).catch(() => undefined);
    return work;
  }

  /** Forget stored state; a store that cannot be written only costs a catch-up or a re-delivery later. */
  private forget(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.options.log('warn', `cannot update ${this.store.file}: ${(error as Error).message}`);
    }
  }
}

/**
 * The runner of a restarted mapping: started once the previous runner is
 * idle, unless stopped before that.
 */
class AfterPrevious implements Runner {
  private runner: Runner | undefined;
  private stopped = false;
  private readonly begun: Promise<void>;

  constructor(previous: Promise<void>, start: () => Runner | undefined) {
    this.begun = previous.then(() => {
      if (!this.stopped) this.runner = start();
    });
  }

  stop(): void {
    this.stopped = true;
    this.runner?.stop();
  }

  async idle(): Promise<void> {
    await this.begun;
    await this.runner?.idle?.();
  }
}

/** Whether a mapping's function ARN is the function (and qualifier, if given) a ListEventSourceMappings FunctionName names. */
function functionFilter(functionName: string): (functionArn: string) => boolean {
  let wanted: ReturnType<typeof parseFunctionName>;
  try {
    wanted = parseFunctionName(functionName);
  } catch (error) {
    throw invalidParameter((error as Error).message);
  }
  return (functionArn) => {
    try {
      const have = parseFunctionName(functionArn);
      return have.name === wanted.name && (wanted.qualifier === undefined || wanted.qualifier === have.qualifier);
    } catch {
      return false;
    }
  };
}
