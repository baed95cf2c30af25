// How a function's workers are launched: the SDK's launcher, what this
// machine can isolate (found at start), each function's launch plan (made
// per deployment from it) and each worker's cgroup.
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSpec, GroupConfig } from '../config/types';
import { NanolambdaError } from '../errors';
import type { IpcServer } from '../ipc/ipc-server';
import { deviceRules } from '../isolation/device-rules';
import { openCgroups } from '../isolation/open-cgroups';
import { planIsolation, probeMachine, type FunctionLaunch, type MachineIsolation, type PackageDirs } from '../isolation/plan-isolation';
import type { RuntimeCgroups } from '../isolation/runtime-cgroups';
import type { ApiIsolation } from '../lambda/api-group';
import type { FunctionLogs } from '../logs/function-logs';
import type { ComponentLog } from '../logs/system-log';
import { packageRoot } from '../native/binding';
import { findSdkDir, missingSdkReason, SDK_LAUNCHER } from '../native/sdk-location';
import { WorkerFactory } from '../workers/worker-factory';
import type { Worker, WorkerHooks } from '../workers/worker';

const DEFAULT_RING_BYTES = 16 * 1024 * 1024;

export interface SdkPaths {
  launcherPath: string;
  /** Where the SDK library and the runtime programs are. */
  packageDirs: PackageDirs;
}

/** The SDK build to launch workers with; refuses one without its launcher. */
export function locateSdk(sdkDir: string | undefined = findSdkDir()): SdkPaths {
  if (sdkDir === undefined) throw new NanolambdaError('NATIVE_UNAVAILABLE', missingSdkReason());
  // The host's launcher for every function: one of another architecture is exec'd by it and handed to qemu by the kernel.
  const launcherPath = path.join(sdkDir, SDK_LAUNCHER);
  const packageDirs = { sdkLibDir: path.join(sdkDir, 'lib'), runtimesDir: path.join(packageRoot, 'runtimes') };
  if (!fs.existsSync(launcherPath)) {
    throw new NanolambdaError(
      'NATIVE_UNAVAILABLE',
      `the worker launcher ${launcherPath} is missing: build the SDK with \`npm run build:csdk\` (npm install does it)`,
    );
  }
  return { launcherPath, packageDirs };
}

export interface WorkerLauncherOptions {
  sdk: SdkPaths;
  /** Bytes of each channel ring per worker (power of two). */
  ringBytes: number | undefined;
  /** The runtime's IPC server (started before any worker). */
  ipc: () => IpcServer;
  log: ComponentLog;
  logs: FunctionLogs;
}

export class WorkerLauncher {
  private readonly factory: WorkerFactory;
  /** What this machine can give (found at start; deployments plan with it). */
  private machine: MachineIsolation = { missingControllers: new Map(), noContainers: undefined };
  /** The workers' cgroups (memory, pids, cpu); undefined where the machine has none. */
  private cgroups: RuntimeCgroups | undefined;
  /** Each function's environment and launch plan (set at start, once the machine's isolation is known). */
  private plans = new Map<FunctionSpec, FunctionLaunch>();

  constructor(private readonly options: WorkerLauncherOptions) {
    this.factory = new WorkerFactory({
      launcherPath: options.sdk.launcherPath,
      ringBytes: options.ringBytes ?? DEFAULT_RING_BYTES,
      ipc: options.ipc,
      log: options.log,
    });
  }

  /** The cgroups (stale ones of a runtime that died on this state directory go first) and what the machine can isolate. */
  async probe(stateDir: string): Promise<void> {
    const { cgroups, missing } = await openCgroups(stateDir);
    this.cgroups = cgroups;
    this.machine = probeMachine(this.options.sdk.launcherPath, missing);
  }

  /** Launch plans for a group; throws if this machine cannot isolate it. */
  plan(group: GroupConfig): Map<FunctionSpec, FunctionLaunch> {
    return planIsolation(group, this.options.sdk.packageDirs, this.machine);
  }

  /** Part of a deployment's synchronous switch. */
  use(plans: Map<FunctionSpec, FunctionLaunch>): void {
    this.plans = plans;
  }

  /** What the Lambda API's functions may ask for here. */
  apiIsolation(): ApiIsolation {
    return { containers: this.machine.noContainers === undefined, memoryLimits: !this.machine.missingControllers.has('memory') };
  }

  create(fn: FunctionSpec, hooks: WorkerHooks): Worker {
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
      return this.factory.create(fn, hooks, { launch, log: this.options.logs.workerLog(fn), cgroup });
    } catch (error) {
      void cgroup?.remove().catch(() => undefined);
      throw error;
    }
  }

  /** Removes the runtime's cgroups; a failure is a warning, not a failed stop. */
  async close(): Promise<void> {
    await this.cgroups?.close().catch((error: Error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_CGROUP' }));
  }
}
