// The environment a Greengrass V1 function process expects
// (shared/spec/greengrass-v1.md §2.1), plus the channel descriptors of the
// native bridge. Functions get a clean environment, not the host's.
import os from 'node:os';
import type { FunctionSpec } from '../config/types';

export const ROUTER_FUNCTION_ARN = 'arn:aws:lambda:::function:GGRouter';
export const SHADOW_FUNCTION_ARN = 'arn:aws:lambda:::function:GGShadowService';
export const SECRETS_MANAGER_FUNCTION_ARN = 'arn:aws:lambda:::function:GGSecretManager:1';
/** The Greengrass interface version the SDKs check against. */
export const GGC_MAX_INTERFACE_VERSION = '1.5';

/** Host variables a function may reasonably rely on. */
const inherited = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'HOME'];

/**
 * `sdkLibDir`: the SDK library's directory for the function's architecture,
 * as the worker sees it. `qemuLdPrefix`: for a function emulated through
 * qemu-user, the sysroot holding its architecture's ld.so and libc.
 */
export function workerEnvironment(fn: FunctionSpec, sdkLibDir: string, qemuLdPrefix?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of inherited) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  // A dynamic executable of another architecture names that architecture's
  // ld.so (/lib/ld-linux-aarch64.so.1), which this machine does not have at
  // that path: qemu looks it up, and the libraries it loads, under
  // QEMU_LD_PREFIX first. The function's own Environment wins (set below).
  if (qemuLdPrefix !== undefined) env.QEMU_LD_PREFIX = qemuLdPrefix;
  // Executables built against the public stub library carry a RUNPATH to it;
  // LD_LIBRARY_PATH wins over RUNPATH, so ours is the one they load.
  const previous = process.env.LD_LIBRARY_PATH;
  Object.assign(env, fn.environment, {
    LD_LIBRARY_PATH: previous ? `${sdkLibDir}:${previous}` : sdkLibDir,
    MY_FUNCTION_ARN: fn.arn,
    ROUTER_FUNCTION_ARN,
    SHADOW_FUNCTION_ARN,
    SECRETS_MANAGER_FUNCTION_ARN,
    ENCODING_TYPE: fn.encoding,
    GGC_MAX_INTERFACE_VERSION,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    // Without a limit, the machine's memory: what it may use (Lambda always gives a number).
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(Math.floor((fn.memoryBytes ?? os.totalmem()) / (1024 * 1024))),
    NANOLAMBDA_SHM_FD: '3',
    NANOLAMBDA_SOCK_FD: '4',
  });
  return env;
}
