// Which worker a function gets, by its runtime kind, with what that kind
// needs around it: a C executable its native channel (ExecutableWorker);
// Python and Node.js a token on the Greengrass IPC server (src/ipc); a
// custom runtime a Runtime API server of its own (src/runtime-api), started
// before its process and closed after it.
import type { FunctionSpec } from '../config/types';
import type { IpcServer } from '../ipc/ipc-server';
import { newWorkerToken } from '../ipc/ipc-server';
import type { FunctionLaunch } from '../isolation/plan-isolation';
import type { WorkerCgroup } from '../isolation/runtime-cgroups';
import type { ComponentLog } from '../logs/system-log';
import type { WorkerLog } from '../logs/worker-log';
import { runtimeApiEnvironment } from '../runtime-api/runtime-api-environment';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server';
import { ExecutableWorker } from './executable-worker';
import { ProcessWorker } from './process-worker';
import type { Worker, WorkerHooks } from './worker';

export interface WorkerParts {
  launch: FunctionLaunch;
  log: WorkerLog;
  cgroup: WorkerCgroup | undefined;
}

export class WorkerFactory {
  constructor(
    private readonly options: {
      launcherPath: string;
      ringBytes: number;
      /** The runtime's IPC server (started before any worker). */
      ipc: () => IpcServer;
      log: ComponentLog;
    },
  ) {}

  create(fn: FunctionSpec, hooks: WorkerHooks, parts: WorkerParts): Worker {
    const { launch, log, cgroup } = parts;
    const env = cgroup ? { ...launch.env, NANOLAMBDA_CGROUP_PROCS: cgroup.procsFiles } : launch.env;
    const common = { launcherPath: this.options.launcherPath, argv: launch.argv, log, cgroup, container: launch.container };
    switch (fn.runtime) {
      case 'executable':
        return new ExecutableWorker(fn, hooks, { ...common, env, ringBytes: this.options.ringBytes });
      case 'python':
      case 'nodejs': {
        const ipc = this.options.ipc();
        const token = newWorkerToken();
        const ipcEnv = { AWS_CONTAINER_AUTHORIZATION_TOKEN: token, GG_DAEMON_PORT: String(ipc.port) };
        const worker = new ProcessWorker(fn, afterExit(hooks, () => ipc.unregister(worker)), { ...common, env: { ...env, ...ipcEnv } });
        ipc.register(worker, token);
        return worker;
      }
      case 'provided': {
        let server: RuntimeApiServer | undefined;
        const prepare = async (worker: ProcessWorker) => {
          server = await RuntimeApiServer.start(worker, { log: this.options.log });
          return runtimeApiEnvironment(fn, { runtimeApi: server.address, handler: fn.handler, taskRoot: launch.workDir });
        };
        return new ProcessWorker(fn, afterExit(hooks, () => void server?.close()), { ...common, env, prepare });
      }
    }
  }
}

/** The hooks, with `cleanUp` run when the worker is gone (before the pool hears of it). */
function afterExit(hooks: WorkerHooks, cleanUp: () => void): WorkerHooks {
  return {
    ...hooks,
    onExit: (worker, orphans) => {
      cleanUp();
      hooks.onExit(worker, orphans);
    },
  };
}
