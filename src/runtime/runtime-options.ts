// The options of Runtime.start (re-exported by src/runtime.ts, whose public
// API they are).
import type { GroupConfig } from '../config/types';
import type { PoolLimits } from '../scheduler/function-pool';

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
