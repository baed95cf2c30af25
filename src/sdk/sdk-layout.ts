// The names a user gives an SDK architecture, and where things are inside an
// SDK prefix (see src/native/sdk-location.ts for where the prefixes are).
import path from 'node:path';
import { architectureNames, nodeArchOf } from '../system/architecture';

/** The architectures nanolambda ships an SDK for, by Node's process.arch names. */
export type SdkArch = 'x64' | 'arm64';
const SDK_ARCHES: readonly SdkArch[] = ['x64', 'arm64'];

/** Node's names, Lambda's (`x86_64`, `arm64`) and uname's (`x86_64`, `aarch64`) of those (system/architecture.ts). */
export const ACCEPTED_ARCH_NAMES: readonly string[] = [...new Set(SDK_ARCHES.flatMap(architectureNames))];

/** The SDK architecture `name` means, or undefined when it names none we ship. */
export function sdkArch(name: string): SdkArch | undefined {
  return SDK_ARCHES.find((arch) => arch === nodeArchOf(name));
}

/** The pkg-config and CMake package name. */
export const SDK_PACKAGE = 'aws-greengrass-core-sdk-c';

/** The directory to put on PKG_CONFIG_LIBDIR (or PKG_CONFIG_PATH). */
export function pkgConfigDir(prefix: string): string {
  return path.join(prefix, 'lib', 'pkgconfig');
}

export function pcFilePath(prefix: string): string {
  return path.join(pkgConfigDir(prefix), `${SDK_PACKAGE}.pc`);
}

/** The CMake toolchain file for cross-building to aarch64 (installed in the arm64 cross-built SDK only). */
export function aarch64ToolchainFile(prefix: string): string {
  return path.join(prefix, 'lib', 'cmake', SDK_PACKAGE, 'aarch64-linux-gnu.cmake');
}
