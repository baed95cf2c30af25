// What the launcher execs for a function, by its runtime kind, and the
// variables that program needs beyond a Greengrass function's environment:
//   executable  the executable and its ExecArgs
//   provided    the code's bootstrap (its Lambda variables come with its
//               Runtime API server: runtime-api/runtime-api-environment.ts)
//   python      python3 <runtimes>/python/lambda_runtime.py --handler=<handler>,
//               our greengrass_common and greengrass_ipc_python_sdk first on
//               PYTHONPATH, then the code (no __pycache__ written into it)
//   nodejs      node <runtimes>/nodejs/lambda_runtime.js --handler=<handler>,
//               with Greengrass's NODE_PATH order (the code, our SDK
//               modules, the code's node_modules)
// Paths are as the worker sees them (in a container: /lambda,
// /nanolambda/runtimes). The per-worker parts (the IPC token and port, the
// Runtime API address) are added when a worker starts.
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSpec } from '../config/types';
import { executableBy } from '../system/path-access';

export interface RuntimeProgram {
  argv: string[];
  env: Record<string, string>;
}

export function runtimeProgram(fn: FunctionSpec, where: { executable: string; workDir: string; runtimesDir: string }): RuntimeProgram {
  const timeout = String(Math.round(fn.timeoutMs / 1000));
  const lambda = { AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtimeId}`, AWS_LAMBDA_FUNCTION_TIMEOUT: timeout };
  const ids = [fn.runAs.gid, ...fn.supplementaryGids];
  switch (fn.runtime) {
    case 'executable':
      return { argv: [where.executable, ...fn.execArgs], env: {} };
    case 'provided':
      // Lambda leaves AWS_EXECUTION_ENV unset for custom runtimes.
      return { argv: [where.executable], env: { AWS_LAMBDA_FUNCTION_TIMEOUT: timeout } };
    case 'python':
      return {
        argv: [
          firstUsable([fn.runtimeId, 'python3'], SYSTEM_DIRS, fn.runAs.uid, ids) ?? '/usr/bin/python3',
          path.posix.join(where.runtimesDir, 'python', 'lambda_runtime.py'),
          `--handler=${fn.handler}`,
        ],
        env: { ...lambda, PYTHONPATH: `${path.posix.join(where.runtimesDir, 'python')}:${where.workDir}`, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      };
    case 'nodejs': {
      const ours = path.posix.join(where.runtimesDir, 'nodejs', 'node_modules');
      const node = executableBy(process.execPath, fn.runAs.uid, ids) ? process.execPath : (firstUsable(['node', 'nodejs'], SYSTEM_DIRS, fn.runAs.uid, ids) ?? process.execPath);
      return {
        argv: [node, path.posix.join(where.runtimesDir, 'nodejs', 'lambda_runtime.js'), `--handler=${fn.handler}`],
        env: { ...lambda, NODE_PATH: `${where.workDir}:${ours}:${path.posix.join(where.workDir, 'node_modules')}` },
      };
    }
  }
}

/**
 * The system's directories first: a python3 on the runtime's own PATH (a
 * pyenv shim under /root, say) may not be one the function's user can run.
 */
const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

/**
 * The first of `names` (python3.11 before python3: the version the runtime
 * names when this machine has it) that the function's user can execute, in
 * `dirs` then the runtime's PATH; undefined when none (the launcher then says
 * which file it could not execute, and why).
 */
function firstUsable(names: readonly string[], dirs: readonly string[], uid: number, gids: readonly number[]): string | undefined {
  const search = [...dirs, ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  for (const name of names) {
    for (const dir of search) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate) && executableBy(candidate, uid, gids)) return candidate;
    }
  }
  return undefined;
}
