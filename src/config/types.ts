// The runtime's view of a Greengrass V1 group definition after loading and
// validation (see load-group.ts). Field names follow the Greengrass API;
// units are converted (MemorySize KB -> bytes, Timeout s -> ms).
import type { LogLevel } from '../logs/system-log';
import type { RuntimeKind } from './function-runtime';
import type { DeviceSpec } from './devices';
import type { MqttBrokerConfig } from './mqtt-section';
import type { CloudConfig } from '../cloud/cloud-config';
import type { ConfiguredEventSource } from '../event-sources/mapping';
import type { SecretSpec } from '../secrets/secret-spec';

export type EncodingType = 'json' | 'binary';
export type IsolationMode = 'GreengrassContainer' | 'NoContainer';

export interface FunctionSpec {
  /** FunctionDefinitionVersion Functions[].Id */
  id: string;
  /** The FunctionArn exactly as the group gives it (qualified). */
  arn: string;
  /** arn:aws:lambda:<region>:<account>:function:<name> */
  unqualifiedArn: string;
  name: string;
  region: string;
  accountId: string;
  /** The qualifier of the group's FunctionArn: a version number, an alias or '$LATEST'. */
  qualifier: string;
  /** The version this entry runs: a number as a string, or '$LATEST'. */
  version: string;
  /** Which kind of worker runs it (function-runtime.ts). */
  runtime: RuntimeKind;
  /** The Lambda runtime identifier (python3.11, nodejs20.x, provided.al2, or Greengrass's executable runtime ARN). */
  runtimeId: string;
  /** Python and Node.js: "module.function" / "file.export"; the executable's name otherwise. */
  handler: string;
  /** Absolute path of the executable to run (a custom runtime's bootstrap); the code directory for Python and Node.js. */
  executable: string;
  execArgs: string[];
  /**
   * The machine its executables are built for: Lambda's name, x86_64 or
   * arm64 (FunctionConfiguration.Architectures); default this machine's
   * (Node's name on a machine Lambda has no name for: arm, riscv64, …).
   * Another than this machine's runs through qemu-user (isolation/function-architecture.ts).
   */
  architecture: string;
  encoding: EncodingType;
  pinned: boolean;
  timeoutMs: number;
  /** cgroup limit in bytes, undefined for none. */
  memoryBytes: number | undefined;
  isolationMode: IsolationMode;
  /** Environment.Variables of the function. */
  environment: Record<string, string>;
  /** Most workers of this function at once (on-demand; 1 when pinned). */
  maxInstances: number;
  /** On-demand workers kept started even when idle (pre-started at start). */
  minWarm: number;
  /** On-demand workers idle this long are stopped (never below minWarm). */
  maxIdleMs: number;
  /** Sync invocations waiting for a worker at most; more are throttled. */
  maxQueueSize: number;
  /** Asynchronous (Event) invocations: retries, age and where failures go. */
  async: AsyncSpec;
  /**
   * Lambda's SystemLogLevel: INFO writes START/END/REPORT for every
   * invocation; WARN only END/REPORT of invocations that failed in the
   * platform (timeout, crash), for functions invoked at rates where a line
   * per invocation costs too much CPU or flash wear.
   */
  systemLogLevel: 'INFO' | 'WARN';
  /** Processes and threads of a worker at most (its pids cgroup): a fork bomb stops there. */
  maxProcesses: number;
  /** Share of contended CPU against the function's other workers and other functions' (cgroup weight, 100 default). */
  cpuWeight: number;
  /** Nanolambda.Code's path for this function, absolute: a directory holding the executable, or the executable itself. */
  codeRoot: string;
  /** The identity the function runs as (resolved; see run-as.ts). */
  runAs: { uid: number; gid: number };
  /** Supplementary groups from the GroupOwnerSetting of its resources (sorted, unique; empty when none). */
  supplementaryGids: number[];
  /** Resource Ids of the secrets it may read (its "ro" policies on SecretsManagerSecretResourceData resources; sorted). */
  secrets: string[];
  /** Environment.AccessSysfs: /sys visible (read-only) in the container. */
  accessSysfs: boolean;
  /** Local volume resources it may access (container mode only). */
  volumes: Array<{ resourceId: string; source: string; destination: string; readOnly: boolean }>;
  /** Local device resources it may access (container mode only); one per device path, read-write if any of its policies is. */
  devices: Array<{ resourceId: string; path: string; readOnly: boolean }>;
  /** RLIMIT_NOFILE for the worker. */
  maxOpenFiles: number;
  /** RLIMIT_CORE in bytes (0: no core dumps). */
  coreFileBytes: number;
  /** Size of the container's private /tmp (and /dev/shm) in bytes. */
  tmpBytes: number;
}

/** Lambda's asynchronous invocation settings (shared/spec/lambda-api.md). */
export interface AsyncSpec {
  /** Retries after the first attempt (Lambda: 2). */
  maxRetries: number;
  /** An event older than this is not started again (Lambda: 6 hours). */
  maxEventAgeMs: number;
  /** Delay before the first retry; each further retry doubles it. */
  retryDelayMs: number;
  /** Where an event that failed for good is delivered; undefined: the function log only. */
  onFailure: FailureDestination | undefined;
}

export type FailureDestination =
  /** Published on the local bus as if by the function (subscriptions route it). */
  | { kind: 'topic'; topic: string }
  /** Appended as one JSON line (absolute path). */
  | { kind: 'file'; path: string };

export interface SubscriptionSpec {
  id: string;
  /** A function ARN, 'cloud', 'GGShadowService' or a thing ARN. */
  source: string;
  /** MQTT topic filter. */
  subject: string;
  target: string;
}

export interface GroupConfig {
  /** Path of the file it came from ('<built-in>' for the example group). */
  file: string;
  functions: FunctionSpec[];
  subscriptions: SubscriptionSpec[];
  /** alias ARN (arn:...:function:name:alias) -> version ('1', '$LATEST'). */
  aliases: Map<string, string>;
  http: { host: string; port: number } | undefined;
  /** SigV4 against the gateway's keys (<StateDir>/credentials.json), or None (loopback only). */
  httpAuth: 'SigV4' | 'None';
  /** Directory for per-function logs. */
  logDir: string;
  /** Size-based rotation of each function's log file. */
  logRotation: { maxBytes: number; files: number };
  /** Where durable state lives (the async event store, the control socket). */
  stateDir: string;
  /** On-demand workers of all functions at once (Greengrass V1: 25). */
  maxConcurrentWorkers: number;
  /** On stop: how long in-flight sync invocations may take to finish. */
  shutdownGraceMs: number;
  /** RunAs Uid/Gid 0 accepted (Greengrass's runtime.allowFunctionsToRunAsRoot). */
  allowFunctionsToRunAsRoot: boolean;
  /** A function whose isolation this machine cannot give runs with rlimits only instead of failing to deploy. */
  allowIsolationFallback: boolean;
  /** The Greengrass IPC server's port on 127.0.0.1 (0: any free one; functions read GG_DAEMON_PORT). */
  ipcPort: number;
  /** The runtime's own log level (<LogDir>/system/runtime.log). */
  logLevel: LogLevel;
  /** Largest message the router takes, in bytes. */
  maxMessageBytes: number;
  /** The device broker (Nanolambda.Mqtt); undefined: none runs. */
  mqtt: MqttBrokerConfig | undefined;
  /** The upstream broker (Nanolambda.Cloud); undefined: none. */
  cloud: CloudConfig | undefined;
  /** Nanolambda.EventSources: schedules and watched directories invoking functions. */
  eventSources: ConfiguredEventSource[];
  /** DeviceDefinitionVersion's client devices. */
  devices: DeviceSpec[];
  /** Secret resources with where their values come from (read and stored encrypted at each deployment). */
  secrets: SecretSpec[];
  /** The secret store's master key. */
  secretKeyFile: string;
}
