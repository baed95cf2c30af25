// The nanolambda runtime: loads a group (the group file's functions plus
// those created through the Lambda API), keeps a pool per function version,
// routes messages, serves the local Lambda endpoint, invokes, and switches
// to a new group without a restart (deploy).
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSpec, GroupConfig } from './config/types';
import { loadGroupFile } from './config/load-group';
import { loadExampleGroup } from './examples/example-group';
import { NanolambdaError } from './errors';
import { EventDispatcher, type EventStatus } from './events/event-dispatcher';
import { EventStore, eventStoreExists } from './events/event-store';
import type { Invoker, InvokeOptions, InvokeResult } from './invoke-types';
import { CLIENT_CONTEXT_LIMIT, EVENT_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT } from './limits';
import { FunctionLogs } from './logs/function-logs';
import { RequestResult } from './request-result';
import type { MessageBus } from './messaging/message-bus';
import { MessagingHost } from './messaging/messaging-host';
import { SystemLog } from './logs/system-log';
import { SecretService } from './secrets/secret-service';
import { ShadowService } from './shadow/shadow-service';
import { EventSourceManager } from './event-sources/event-source-manager';
import { packageRoot } from './native/binding';
import { findSdkDir, missingSdkReason, SDK_LAUNCHER } from './native/sdk-location';
import { FunctionRegistry } from './registry/registry';
import { FunctionPool, type PoolHooks, type PoolLimits } from './scheduler/function-pool';
import { Sweeper } from './scheduler/sweeper';
import { WorkerBudget } from './scheduler/worker-budget';
import { ServiceCalls } from './services/service-calls';
import { startInvokeServer } from './api/invoke-server';
import { openControlSocket, type ControlSocket } from './control/control-socket';
import { openCgroups } from './isolation/open-cgroups';
import type { RuntimeCgroups } from './isolation/runtime-cgroups';
import { poolStatus, type RuntimeStatus } from './control/status';
import { WorkerFactory } from './workers/worker-factory';
import { IpcServer } from './ipc/ipc-server';
import { Invocation, type Outcome } from './workers/invocation';
import { deviceRules } from './isolation/device-rules';
import { planIsolation, probeMachine, type FunctionLaunch, type MachineIsolation, type PackageDirs } from './isolation/plan-isolation';
import { nextGroup } from './deploy/next-group';
import { LambdaApiHost } from './lambda/lambda-api-host';
import type { ApiIsolation } from './lambda/api-group';
import type { ManagementContext } from './api/management-api';
import { SigV4Verifier } from './api/sigv4/verifier';
import { isLoopback } from './config/loopback';
import { loadOrCreateCredentials } from './system/credentials';
import type { Worker, WorkerHooks } from './workers/worker';

export interface RuntimeOptions {
  /** A loaded group, a path to a group file, or nothing for the built-in example group. */
  group?: GroupConfig | string;
  /** The local invoke endpoint; false for none. Default: the group's Http setting. */
  http?: { host: string; port: number } | false;
  /**
   * Where the SDK build for this machine was installed (bin/nanolambda-launcher,
   * lib/). Default: findSdkDir(), i.e. <package>/sdk, else the prebuilt
   * <package>/prebuilds/linux-<arch>/sdk. Functions of another architecture
   * use that architecture's prebuilt SDK library (function-architecture.ts).
   */
  sdkDir?: string;
  /** Overrides of the pool limits. */
  limits?: Partial<PoolLimits>;
  /** Bytes of each channel ring per worker (power of two). */
  ringBytes?: number;
}

const DEFAULT_LIMITS: PoolLimits = {
  maxQueuedBytes: 64 * 1024 * 1024,
  stopGraceMs: 2000,
};
const DEFAULT_RING_BYTES = 16 * 1024 * 1024;

export class Runtime implements Invoker {
  /** The deployed group (replaced by deploy). */
  group: GroupConfig;
  registry: FunctionRegistry;
  /** Every routed publish is emitted here as 'publish' (see PublishEvent). */
  readonly messages: MessageBus;
  httpAddress: { host: string; port: number } | undefined;
  /** Where the endpoint's access keys are, when it verifies SigV4. */
  credentialsFile: string | undefined;

  private pools = new Map<FunctionSpec, FunctionPool>();
  /** Pools of entries a deployment replaced, finishing their work (stop waits for them), and their entries. */
  private readonly retiring = new Map<Promise<void>, FunctionSpec>();
  private readonly poolHooks: PoolHooks;
  private readonly poolLimits: PoolLimits;
  /** The group file's definition (deployments replace it); `group` adds the Lambda API's functions. */
  private fileGroup: GroupConfig;
  private readonly lambdaApi: LambdaApiHost;
  /** What this machine can give (found at start; deployments plan with it). */
  private machine: MachineIsolation = { missingControllers: new Map(), noContainers: undefined };
  private readonly logs: FunctionLogs;
  /** The runtime's own log (<LogDir>/system/runtime.log). */
  private readonly systemLog: SystemLog;
  private readonly messaging: MessagingHost;
  /** Thing shadows (<StateDir>/shadows.db, opened at the first request). */
  private readonly shadows: ShadowService;
  /** The group's secrets, stored encrypted at each deployment (<StateDir>/secrets.db). */
  private readonly secrets: SecretService;
  /** The group file whose secrets are stored. */
  private secretsFrom: GroupConfig | undefined;
  /** Schedules and watched directories (the group file's and the Lambda API's) invoking functions. */
  readonly eventSources: EventSourceManager;
  private readonly sweeper: Sweeper;
  private readonly budget: WorkerBudget;
  private readonly services: ServiceCalls;
  private readonly workers: WorkerFactory;
  /** The Greengrass IPC server Python and Node.js workers talk to (from start to stop). */
  private ipc: IpcServer | undefined;
  private readonly launcherPath: string;
  /** Where the SDK library and the runtime programs are. */
  private readonly packageDirs: PackageDirs;
  /** Each function's environment and launch plan (set by start, once the machine's isolation is known). */
  private plans = new Map<FunctionSpec, FunctionLaunch>();
  private httpServer: { close(): Promise<void> } | undefined;
  private controlSocket: ControlSocket | undefined;
  /** The workers' cgroups (memory, pids, cpu); undefined where the machine has none (see start). */
  private cgroups: RuntimeCgroups | undefined;
  private readonly startedAt = new Date();
  /** The durable queue of Event invocations and what runs it (from start to stop). */
  private events: { store: EventStore; dispatcher: EventDispatcher } | undefined;
  private stopped = false;
  /** The one shutdown: a second stop() waits for the first. */
  private stopping: Promise<void> | undefined;

  private constructor(group: GroupConfig, options: RuntimeOptions) {
    this.group = group;
    this.fileGroup = group;
    this.registry = new FunctionRegistry(group);
    const sdkDir = options.sdkDir ?? findSdkDir();
    if (sdkDir === undefined) throw new NanolambdaError('NATIVE_UNAVAILABLE', missingSdkReason());
    // The host's launcher for every function: one of another architecture is exec'd by it and handed to qemu by the kernel.
    this.launcherPath = path.join(sdkDir, SDK_LAUNCHER);
    this.packageDirs = { sdkLibDir: path.join(sdkDir, 'lib'), runtimesDir: path.join(packageRoot, 'runtimes') };
    if (!fs.existsSync(this.launcherPath)) {
      throw new NanolambdaError(
        'NATIVE_UNAVAILABLE',
        `the worker launcher ${this.launcherPath} is missing: build the SDK with \`npm run build:csdk\` (npm install does it)`,
      );
    }
    this.logs = new FunctionLogs(group.logDir, group.logRotation);
    this.systemLog = new SystemLog(group.logDir, group.logRotation, group.logLevel);
    // Its packages stay while a deployed or draining entry's workers may run from them.
    this.lambdaApi = new LambdaApiHost(group.stateDir, {
      inUse: () => [...this.pools.keys(), ...this.retiring.values()].map((fn) => fn.codeRoot),
      log: this.systemLog.component('package-store'),
    });
    this.messaging = new MessagingHost(
      group,
      this.registry,
      {
        isFunction: (target) => this.registry.tryResolve(target) !== undefined,
        canAccept: (target, bytes) => this.poolFor(this.registry.resolve(target).fn).canAccept(bytes),
        deliver: (target, payload, clientContext) => this.deliverEvent(target, payload, clientContext),
      },
      this.systemLog,
    );
    this.messages = this.messaging.bus;
    this.shadows = new ShadowService(group.stateDir);
    this.messaging.useShadowService(this.shadows);
    this.secrets = new SecretService(group.stateDir, group.secretKeyFile);
    this.services = new ServiceCalls(this, this.messaging, this.shadows, this.secrets);
    const sourcesLog = this.systemLog.component('event-sources');
    this.eventSources = new EventSourceManager({
      stateDir: group.stateDir,
      invoker: this,
      log: (level, message) => sourcesLog[level](message),
      functionArn: (name) => this.registry.tryResolve(name)?.invokedArn,
    });
    this.workers = new WorkerFactory({
      launcherPath: this.launcherPath,
      ringBytes: options.ringBytes ?? DEFAULT_RING_BYTES,
      ipc: () => {
        if (this.ipc === undefined) throw new NanolambdaError('INTERNAL', 'the IPC server is not started');
        return this.ipc;
      },
      log: this.systemLog.component('runtime-api'),
    });
    this.poolLimits = { ...DEFAULT_LIMITS, ...options.limits };
    this.budget = new WorkerBudget(group.maxConcurrentWorkers);
    this.poolHooks = {
      onRequest: (worker, request) => this.services.handle(worker, request),
      wakeSweeper: () => this.sweeper.wake(),
    };
    for (const fn of group.functions) this.pools.set(fn, this.newPool(fn));
    this.sweeper = new Sweeper(this.pools.values());
  }

  private newPool(fn: FunctionSpec): FunctionPool {
    return new FunctionPool(fn, (spec, workerHooks) => this.createWorker(spec, workerHooks), this.poolHooks, this.poolLimits, this.budget);
  }

  /**
   * Switch to another group definition (a path or a loaded group): entries
   * that did not change keep their warm workers; invocations in flight on a
   * changed or removed entry finish on it (within ShutdownGraceSeconds),
   * new ones use the new group. Settings of the runtime itself (StateDir,
   * LogDir, Http, ...) need a restart: such a group is refused, and so is
   * one this machine cannot isolate; the running group stays.
   */
  async deploy(definition: GroupConfig | string): Promise<void> {
    if (this.stopped) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped');
    const fileGroup = typeof definition === 'string' ? loadGroupFile(definition) : definition;
    await this.apply(fileGroup);
  }

  /** Run what the Lambda API's store holds now, beside the group file's functions. */
  private redeployApiFunctions(): Promise<void> {
    if (this.stopped) return Promise.reject(new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped'));
    return this.apply(this.fileGroup);
  }

  private apiIsolation(): ApiIsolation {
    return { containers: this.machine.noContainers === undefined, memoryLimits: !this.machine.missingControllers.has('memory') };
  }

  /**
   * Switch to `fileGroup` plus the Lambda API's functions. Everything up to
   * the switch is synchronous, so concurrent deployments and API changes
   * never interleave: each builds on the state the previous one left.
   */
  private async apply(fileGroup: GroupConfig): Promise<void> {
    if (this.stopped) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped');
    const group = nextGroup(this.group, this.lambdaApi.withApiFunctions(fileGroup, this.apiIsolation()));
    const plans = planIsolation(group, this.packageDirs, this.machine);
    const registry = new FunctionRegistry(group);
    // Before the switch: the new functions find their secrets there, and a value that cannot be read fails the deployment.
    // Only for a new group file: Lambda API changes do not read the secret sources again.
    if (fileGroup !== this.secretsFrom) this.secrets.deployWithKey(group.secrets, group.secretKeyFile);
    const pools = new Map(group.functions.map((fn) => [fn, this.pools.get(fn) ?? this.newPool(fn)]));
    const retired = [...this.pools].filter(([fn]) => !pools.has(fn)).map(([, pool]) => pool);
    const started = [...pools].filter(([fn]) => !this.pools.has(fn)).map(([, pool]) => pool);
    // The switch itself: synchronous, so no invocation sees half of it.
    this.fileGroup = fileGroup;
    this.secretsFrom = fileGroup;
    this.group = group;
    this.registry = registry;
    this.plans = plans;
    this.pools = pools;
    this.messaging.deploy(group, registry);
    this.eventSources.useConfigured(fileGroup.eventSources);
    for (const pool of started) {
      this.sweeper.add(pool);
      pool.start();
    }
    const lanesSettled = this.events?.dispatcher.follow(group.functions);
    for (const pool of retired) this.retire(pool);
    await lanesSettled;
  }

  /**
   * SigV4 against the gateway's access keys (created on first start in
   * <StateDir>/credentials.json, 0600; `nanolambda credentials` shows them),
   * unless the group says Http.Auth "None", which only a loopback host may.
   */
  private authFor(host: string): SigV4Verifier | undefined {
    if (this.group.httpAuth === 'None') {
      if (!isLoopback(host)) {
        throw new NanolambdaError('INVALID_PARAMETER', `Http.Auth "None" is for a loopback host only, and the endpoint would listen on ${host}`);
      }
      return undefined;
    }
    const credentials = loadOrCreateCredentials(this.group.stateDir);
    this.credentialsFile = credentials.file;
    return new SigV4Verifier({ secretOf: credentials.secretOf });
  }

  private managementContext(): ManagementContext {
    return {
      store: () => this.lambdaApi.store(),
      codeDir: this.lambdaApi.codeDir,
      groupNames: () => new Set(this.fileGroup.functions.map((fn) => fn.name)),
      changed: async () => {
        await this.redeployApiFunctions();
        void this.lambdaApi.collectPackages(); // what no pool ran (a function that cannot run here) goes at once
      },
      eventSources: this.eventSources,
    };
  }

  /** Let a replaced pool finish what it holds, then stop its workers; then its package may go, if nothing else uses it. */
  private retire(pool: FunctionPool): void {
    const done: Promise<void> = pool
      .stop(this.group.shutdownGraceMs)
      .finally(() => {
        this.sweeper.remove(pool);
        this.retiring.delete(done);
        void this.lambdaApi.collectPackages();
      });
    this.retiring.set(done, pool.fn);
  }

  /** Load the group, start pinned functions and the local endpoint. */
  static async start(options: RuntimeOptions = {}): Promise<Runtime> {
    const group =
      options.group === undefined ? loadExampleGroup() : typeof options.group === 'string' ? loadGroupFile(options.group) : options.group;
    const runtime = new Runtime(group, options);
    // First: it refuses to start when another runtime holds the state directory.
    runtime.controlSocket = await openControlSocket(group.stateDir, {
      status: () => runtime.status(),
      deploy: (file) => runtime.deploy(file),
    });
    // Then the cgroups: stale ones of a runtime that died on this state directory go first.
    const { cgroups, missing } = await openCgroups(group.stateDir);
    runtime.cgroups = cgroups;
    runtime.machine = probeMachine(runtime.launcherPath, missing);
    try {
      // Before any worker: Python and Node.js workers are given its port.
      runtime.ipc = await IpcServer.start({ host: '127.0.0.1', port: group.ipcPort, services: runtime.services, log: runtime.systemLog.component('ipc') });
      // With the functions an earlier run created through the Lambda API (and without the packages none uses).
      await runtime.lambdaApi.sweep();
      if (runtime.lambdaApi.exists) await runtime.redeployApiFunctions();
      else {
        runtime.secrets.deployWithKey(group.secrets, group.secretKeyFile);
        runtime.secretsFrom = group;
        runtime.plans = planIsolation(group, runtime.packageDirs, runtime.machine);
      }
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    runtime.sweeper.start();
    for (const pool of runtime.pools.values()) pool.start();
    try {
      // Opened now only if an earlier run stored events; else at the first
      // Event (SQLite costs ~5 MB of RSS a gateway without events need not pay).
      if (eventStoreExists(group.stateDir)) runtime.startEvents();
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    try {
      await runtime.messaging.start();
      runtime.eventSources.useConfigured(runtime.fileGroup.eventSources);
      runtime.eventSources.start();
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    const http = options.http === undefined ? group.http : options.http;
    if (http) {
      try {
        const server = await startInvokeServer(runtime, { ...http, management: runtime.managementContext(), auth: runtime.authFor(http.host) });
        runtime.httpServer = server;
        runtime.httpAddress = server.address;
      } catch (error) {
        await runtime.stop();
        throw error;
      }
    }
    return runtime;
  }

  async invoke(name: string, payload: Uint8Array | string = Buffer.alloc(0), options?: InvokeOptions): Promise<InvokeResult> {
    if (this.stopped) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped');
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const { fn, executedVersion } = this.resolveForInvoke(name, options?.qualifier);
    const type = options?.type ?? 'RequestResponse';
    const clientContext = options?.clientContext ? encodeClientContext(options.clientContext) : null;
    const pool = this.pools.get(fn)!;

    if (type === 'RequestResponse') {
      checkPayload(bytes, SYNC_PAYLOAD_LIMIT, type);
      const invocation = new Invocation(bytes, clientContext, fn.timeoutMs);
      if (options?.logType === 'Tail') return this.invokeWithTail(pool, invocation, executedVersion);
      let outcome = pool.run(invocation, true);
      // No await when it finished at once: the hot path saves a turn.
      if (outcome instanceof Promise) outcome = await outcome;
      return this.syncResult(invocation, outcome, executedVersion);
    }
    if (type === 'Event') {
      checkPayload(bytes, EVENT_PAYLOAD_LIMIT, type);
      // The stored event's id: its failure record and log lines name it too.
      const requestId = await this.acceptEvent(fn, bytes, clientContext);
      return { statusCode: 202, payload: Buffer.alloc(0), executedVersion, requestId };
    }
    if (type === 'DryRun') return { statusCode: 204, payload: Buffer.alloc(0), executedVersion };
    throw new NanolambdaError('INVALID_PARAMETER', `invocation type "${String(type)}" is not RequestResponse, Event or DryRun`);
  }

  /** The registry's answer; for a stored function that cannot run here, why not instead of "not found". */
  private resolveForInvoke(name: string, qualifier: string | undefined): ReturnType<FunctionRegistry['resolve']> {
    try {
      return this.registry.resolve(name, qualifier);
    } catch (error) {
      const why = NanolambdaError.is(error) && error.code === 'FUNCTION_NOT_FOUND' ? this.lambdaApi.whyNotRunnable(name, qualifier) : undefined;
      if (why !== undefined) throw new NanolambdaError('INVALID_PARAMETER', why);
      throw error;
    }
  }

  /**
   * Stop accepting work; let in-flight and queued sync invocations finish
   * within the group's ShutdownGraceSeconds (the sweeper keeps enforcing
   * their timeouts); fail what is left; stop every worker (SIGTERM, then
   * SIGKILL); close the endpoint and the logs.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    // Schedules and watchers stop at once; the Events they were storing are awaited below.
    const sourcesClosed = this.eventSources.close();
    this.stopped = true;
    // Events first: no new attempt starts while the pools drain; attempts
    // already running settle as their pools stop.
    const eventsSettled = this.events?.dispatcher.stop();
    // No more messages from devices.
    await this.messaging.closeDevices();
    const drainMs = this.group.shutdownGraceMs;
    // Together: the endpoint waits for its in-flight invocations, and those
    // end when their pools have drained and stopped.
    await Promise.all([
      this.httpServer?.close(),
      ...[...this.pools.values()].map((pool) => pool.stop(drainMs)),
      ...this.retiring.keys(),
      this.lambdaApi.stopCollecting(),
    ]);
    await Promise.all([eventsSettled, sourcesClosed]);
    await this.ipc?.close();
    await this.messaging.close();
    this.sweeper.stop();
    this.logs.closeAll();
    this.systemLog.close();
    // Last: close() commits what the settling attempts recorded.
    this.events?.store.close();
    this.lambdaApi.close();
    this.shadows.close();
    this.secrets.close();
    await this.cgroups?.close().catch((error: Error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_CGROUP' }));
    await this.controlSocket?.close();
  }

  /** Where client devices connect (Nanolambda.Mqtt), once started. */
  get mqttAddress(): { host: string; port: number } | undefined {
    return this.messaging.brokerAddress;
  }

  /** Functions, workers and queues, as `nanolambda ps` shows them. */
  status(): RuntimeStatus {
    const now = Date.now();
    const events = new Map(this.eventStatus().map((e) => [e.functionArn, e]));
    return {
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      group: this.group.file,
      workersInUse: this.budget.inUse,
      maxConcurrentWorkers: this.budget.limit,
      functions: [...this.pools.values()].map((pool) => poolStatus(pool, events.get(pool.fn.arn) ?? { queued: 0, inFlight: 0 }, now)),
      strandedEvents: [...events.values()].filter((e) => !e.inGroup).map(({ functionArn, queued }) => ({ functionArn, queued })),
      cloud: this.messaging.cloudStatus(),
      mqtt: this.messaging.brokerAddress,
    };
  }

  /** Asynchronous events per function (queued, in flight), for `nanolambda ps`. */
  eventStatus(): EventStatus[] {
    return this.events?.dispatcher.status() ?? [];
  }

  /** The pool of a function entry (for diagnostics and tests). */
  poolFor(fn: FunctionSpec): FunctionPool {
    const pool = this.pools.get(fn);
    if (!pool) throw new NanolambdaError('FUNCTION_NOT_FOUND', `Function not found: ${fn.arn}`);
    return pool;
  }

  /** Path of a function's log file. */
  logPathOf(name: string): string {
    return this.logs.pathFor(this.registry.resolve(name).fn);
  }

  /**
   * Open the durable event queue in the state directory and start on what an
   * earlier run (or a crash) left in it.
   */
  private startEvents(): { store: EventStore; dispatcher: EventDispatcher } {
    const store = new EventStore(this.group.stateDir, {
      onWriteError: (error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_EVENT_STORE' }),
    });
    const dispatcher = new EventDispatcher(this.group.functions, store, {
      run: (fn, payload, clientContext, requestId) => {
        const invocation = new Invocation(payload, clientContext, fn.timeoutMs);
        invocation.requestId = requestId;
        return Promise.resolve(this.poolFor(fn).run(invocation, false));
      },
      publish: (source, topic, payload) => this.messages.publish(source, topic, payload, false)?.targets ?? [],
      log: (fn, line) => this.logs.append(fn, line),
      warn: (message) => process.emitWarning(message, { code: 'NANOLAMBDA_EVENTS_STRANDED' }),
    });
    this.events = { store, dispatcher };
    dispatcher.start();
    return this.events;
  }

  /** Store an Event (resolves once committed: a 202 survives a crash) and wake its function's lane. */
  private async acceptEvent(fn: FunctionSpec, payload: Uint8Array, clientContext: Uint8Array | null): Promise<string> {
    const events = this.events ?? this.startEvents();
    const requestId = await events.store.accept(fn.arn, payload, clientContext);
    events.dispatcher.wake(fn);
    return requestId;
  }

  private deliverEvent(target: string, payload: Buffer, clientContext: string): void {
    const { fn } = this.registry.resolve(target);
    checkPayload(payload, EVENT_PAYLOAD_LIMIT, 'Event');
    this.dispatchEvent(this.poolFor(fn), payload, Buffer.from(clientContext));
  }

  private dispatchEvent(pool: FunctionPool, payload: Uint8Array, clientContext: Uint8Array | null): void {
    // Nobody waits for a routed message: a failure is written to the function's log.
    void Promise.resolve(pool.run(new Invocation(payload, clientContext, pool.fn.timeoutMs), false)).then((result) => {
      if (result.kind !== 'success' && !this.stopped) {
        this.logs.append(pool.fn, `[${new Date().toISOString()}][ERROR]-nanolambda: event invocation failed: ${result.payload.toString()}\n`);
      }
    });
  }

  /**
   * A RequestResponse invocation whose log tail is wanted (X-Amz-Log-Type:
   * Tail): its START line, its worker's output while it ran, END and REPORT,
   * once they are written (one event-loop turn after the result).
   */
  private async invokeWithTail(pool: FunctionPool, invocation: Invocation, executedVersion: string): Promise<InvokeResult> {
    this.logs.expectTail(invocation);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = pool.run(invocation, true);
    } catch (error) {
      this.logs.forgetTail(invocation);
      throw error;
    }
    const result = this.syncResult(invocation, await outcome, executedVersion);
    result.logResult = await this.logs.tailOf(invocation);
    return result;
  }

  /** Its requestId is formatted only if someone reads it (the HTTP endpoint does). */
  private syncResult(invocation: Invocation, outcome: Outcome, executedVersion: string): RequestResult {
    const result = new RequestResult(outcome.payload, executedVersion, this.logs.ids, invocation.requestSeq);
    if (outcome.kind !== 'success') result.functionError = outcome.kind === 'handled' ? 'Handled' : 'Unhandled';
    return result;
  }

  private createWorker(fn: FunctionSpec, hooks: WorkerHooks): Worker {
    const launch = this.plans.get(fn);
    if (launch === undefined) throw new NanolambdaError('INTERNAL', `no launch plan for ${fn.arn}: the runtime was not started`);
    // Its own group, which the launcher joins before exec (so the limit holds from the first byte).
    const cgroup = this.cgroups?.worker(fn.name, {
      memoryBytes: fn.memoryBytes,
      maxProcesses: fn.maxProcesses,
      cpuWeight: fn.cpuWeight,
      devices: launch.container ? deviceRules(fn) : undefined,
    });
    try {
      return this.workers.create(fn, hooks, { launch, log: this.logs.workerLog(fn), cgroup });
    } catch (error) {
      void cgroup?.remove().catch(() => undefined);
      throw error;
    }
  }
}

function checkPayload(payload: Uint8Array, limit: number, type: string): void {
  if (payload.length > limit) {
    throw new NanolambdaError(
      'PAYLOAD_TOO_LARGE',
      `${type} payload of ${payload.length} bytes exceeds the limit of ${limit} bytes`,
    );
  }
}

/** Client context must be base64 of a JSON object, as Lambda requires. */
function encodeClientContext(base64: string): Buffer {
  if (base64.length > CLIENT_CONTEXT_LIMIT) {
    throw new NanolambdaError('INVALID_PARAMETER', `client context of ${base64.length} bytes exceeds ${CLIENT_CONTEXT_LIMIT} bytes`);
  }
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw new NanolambdaError('INVALID_PARAMETER', `client context "${base64.slice(0, 64)}" is not base64 of a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NanolambdaError('INVALID_PARAMETER', `client context "${base64.slice(0, 64)}" is not base64 of a JSON object`);
  }
  return Buffer.from(base64);
}
