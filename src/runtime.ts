// The nanolambda runtime: loads a group (the group file's functions plus
// those created through the Lambda API), keeps a pool per function version,
// routes messages, serves the local Lambda endpoint, invokes, and switches
// to a new group without a restart (deploy). Its parts are in src/runtime/:
// this file wires them and keeps the order of start, deploy and stop.
import type { FunctionSpec, GroupConfig } from './config/types';
import { loadGroupFile } from './config/load-group';
import { openControlSocket, type ControlSocket } from './control/control-socket';
import type { RuntimeStatus } from './control/status';
import { nextGroup } from './deploy/next-group';
import { NanolambdaError } from './errors';
import { EventSourceManager } from './event-sources/event-source-manager';
import type { EventStatus } from './events/event-dispatcher';
import { loadExampleGroup } from './examples/example-group';
import type { Invoker, InvokeOptions, InvokeResult } from './invoke-types';
import { IpcServer } from './ipc/ipc-server';
import { LambdaApiHost } from './lambda/lambda-api-host';
import { FunctionLogs } from './logs/function-logs';
import { SystemLog } from './logs/system-log';
import type { MessageBus } from './messaging/message-bus';
import { MessagingHost } from './messaging/messaging-host';
import { FunctionRegistry } from './registry/registry';
import type { FunctionPool } from './scheduler/function-pool';
import { SecretService } from './secrets/secret-service';
import { ServiceCalls } from './services/service-calls';
import { ShadowService } from './shadow/shadow-service';
import { EventInvocations } from './runtime/event-invocations';
import { FunctionInvoker } from './runtime/function-invoker';
import { FunctionPools } from './runtime/function-pools';
import { startEndpoint } from './runtime/http-endpoint';
import type { RuntimeOptions } from './runtime/runtime-options';
import { shutDown } from './runtime/shutdown';
import { runtimeStatus } from './runtime/status-report';
import { locateSdk, WorkerLauncher } from './runtime/worker-launcher';

export type { RuntimeOptions } from './runtime/runtime-options';

export class Runtime implements Invoker {
  /** The deployed group (replaced by deploy). */
  group: GroupConfig;
  registry: FunctionRegistry;
  /** Every routed publish is emitted here as 'publish' (see PublishEvent). */
  readonly messages: MessageBus;
  httpAddress: { host: string; port: number } | undefined;
  /** Where the endpoint's access keys are, when it verifies SigV4. */
  credentialsFile: string | undefined;

  private readonly pools: FunctionPools;
  /** The group file's definition (deployments replace it); `group` adds the Lambda API's functions. */
  private fileGroup: GroupConfig;
  private readonly lambdaApi: LambdaApiHost;
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
  private readonly services: ServiceCalls;
  private readonly launcher: WorkerLauncher;
  /** The Greengrass IPC server Python and Node.js workers talk to (from start to stop). */
  private ipc: IpcServer | undefined;
  private httpServer: { close(): Promise<void> } | undefined;
  private controlSocket: ControlSocket | undefined;
  private readonly startedAt = new Date();
  /** Event invocations: the durable queue (from its first use to stop) and routed messages. */
  private readonly events: EventInvocations;
  private readonly invoker: FunctionInvoker;
  private stopped = false;
  /** The one shutdown: a second stop() waits for the first. */
  private stopping: Promise<void> | undefined;

  private constructor(group: GroupConfig, options: RuntimeOptions) {
    this.group = group;
    this.fileGroup = group;
    this.registry = new FunctionRegistry(group);
    // First: without the SDK's worker launcher no function can run.
    const sdk = locateSdk(options.sdkDir);
    this.logs = new FunctionLogs(group.logDir, group.logRotation);
    this.systemLog = new SystemLog(group.logDir, group.logRotation, group.logLevel);
    // Its packages stay while a deployed or draining entry's workers may run from them.
    this.lambdaApi = new LambdaApiHost(group.stateDir, {
      inUse: () => this.pools.codeRootsInUse(),
      log: this.systemLog.component('package-store'),
    });
    this.messaging = new MessagingHost(
      group,
      this.registry,
      {
        isFunction: (target) => this.registry.tryResolve(target) !== undefined,
        canAccept: (target, bytes) => this.poolFor(this.registry.resolve(target).fn).canAccept(bytes),
        deliver: (target, payload, clientContext) => this.events.deliver(this.registry.resolve(target).fn, payload, clientContext),
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
    this.launcher = new WorkerLauncher({
      sdk,
      ringBytes: options.ringBytes,
      ipc: () => {
        if (this.ipc === undefined) throw new NanolambdaError('INTERNAL', 'the IPC server is not started');
        return this.ipc;
      },
      log: this.systemLog.component('runtime-api'),
      logs: this.logs,
    });
    this.pools = new FunctionPools(group.functions, {
      maxConcurrentWorkers: group.maxConcurrentWorkers,
      limits: options.limits,
      createWorker: (spec, workerHooks) => this.launcher.create(spec, workerHooks),
      onRequest: (worker, request) => this.services.handle(worker, request),
      retired: () => void this.lambdaApi.collectPackages(),
    });
    this.events = new EventInvocations({
      group: () => this.group,
      poolFor: (fn) => this.poolFor(fn),
      messages: this.messages,
      logs: this.logs,
      stopped: () => this.stopped,
    });
    this.invoker = new FunctionInvoker({
      registry: () => this.registry,
      lambdaApi: this.lambdaApi,
      pools: this.pools,
      logs: this.logs,
      events: this.events,
      stopped: () => this.stopped,
    });
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

  /**
   * Switch to `fileGroup` plus the Lambda API's functions. Everything up to
   * the switch is synchronous, so concurrent deployments and API changes
   * never interleave: each builds on the state the previous one left.
   */
  private async apply(fileGroup: GroupConfig): Promise<void> {
    if (this.stopped) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped');
    const group = nextGroup(this.group, this.lambdaApi.withApiFunctions(fileGroup, this.launcher.apiIsolation()));
    const plans = this.launcher.plan(group);
    const registry = new FunctionRegistry(group);
    // Before the switch: the new functions find their secrets there, and a value that cannot be read fails the deployment.
    // Only for a new group file: Lambda API changes do not read the secret sources again.
    if (fileGroup !== this.secretsFrom) this.secrets.deployWithKey(group.secrets, group.secretKeyFile);
    const next = this.pools.next(group.functions);
    // The switch itself: synchronous, so no invocation sees half of it.
    this.fileGroup = fileGroup;
    this.secretsFrom = fileGroup;
    this.group = group;
    this.registry = registry;
    this.launcher.use(plans);
    this.pools.switchTo(next);
    this.messaging.deploy(group, registry);
    this.eventSources.useConfigured(fileGroup.eventSources);
    this.pools.start(next.started);
    const lanesSettled = this.events.follow(group.functions);
    for (const pool of next.retired) this.pools.retire(pool, group.shutdownGraceMs);
    await lanesSettled;
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
    await runtime.launcher.probe(group.stateDir);
    try {
      // Before any worker: Python and Node.js workers are given its port.
      runtime.ipc = await IpcServer.start({ host: '127.0.0.1', port: group.ipcPort, services: runtime.services, log: runtime.systemLog.component('ipc') });
      // With the functions an earlier run created through the Lambda API (and without the packages none uses).
      await runtime.lambdaApi.sweep();
      if (runtime.lambdaApi.exists) await runtime.redeployApiFunctions();
      else {
        runtime.secrets.deployWithKey(group.secrets, group.secretKeyFile);
        runtime.secretsFrom = group;
        runtime.launcher.use(runtime.launcher.plan(group));
      }
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    runtime.pools.startAll();
    try {
      // Opened now only if an earlier run stored events; else at the first Event.
      runtime.events.resumeStored();
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
        const { server, credentialsFile } = await startEndpoint(runtime, http, runtime.group, {
          lambdaApi: runtime.lambdaApi,
          fileGroup: () => runtime.fileGroup,
          redeployApiFunctions: () => runtime.redeployApiFunctions(),
          eventSources: runtime.eventSources,
        });
        runtime.credentialsFile = credentialsFile;
        runtime.httpServer = server;
        runtime.httpAddress = server.address;
      } catch (error) {
        await runtime.stop();
        throw error;
      }
    }
    return runtime;
  }

  invoke(name: string, payload: Uint8Array | string = Buffer.alloc(0), options?: InvokeOptions): Promise<InvokeResult> {
    return this.invoker.invoke(name, payload, options);
  }

  /**
   * Stop accepting work; let in-flight and queued sync invocations finish
   * within the group's ShutdownGraceSeconds (the sweeper keeps enforcing
   * their timeouts); fail what is left; stop every worker (SIGTERM, then
   * SIGKILL); close the endpoint and the logs.
   */
  stop(): Promise<void> {
    this.stopping ??= shutDown({
      eventSources: this.eventSources,
      events: this.events,
      messaging: this.messaging,
      httpServer: this.httpServer,
      pools: this.pools,
      lambdaApi: this.lambdaApi,
      ipc: this.ipc,
      logs: this.logs,
      systemLog: this.systemLog,
      shadows: this.shadows,
      secrets: this.secrets,
      launcher: this.launcher,
      controlSocket: this.controlSocket,
      drainMs: () => this.group.shutdownGraceMs,
      markStopped: () => {
        this.stopped = true;
      },
    });
    return this.stopping;
  }

  /** Where client devices connect (Nanolambda.Mqtt), once started. */
  get mqttAddress(): { host: string; port: number } | undefined {
    return this.messaging.brokerAddress;
  }

  /** Functions, workers and queues, as `nanolambda ps` shows them. */
  status(): RuntimeStatus {
    return runtimeStatus(this.startedAt, this.group, this.pools, this.eventStatus(), this.messaging);
  }

  /** Asynchronous events per function (queued, in flight), for `nanolambda ps`. */
  eventStatus(): EventStatus[] {
    return this.events.status();
  }

  /** The pool of a function entry (for diagnostics and tests). */
  poolFor(fn: FunctionSpec): FunctionPool {
    return this.pools.poolFor(fn);
  }

  /** Path of a function's log file. */
  logPathOf(name: string): string {
    return this.logs.pathFor(this.registry.resolve(name).fn);
  }
}
