// Where the C SDK of an architecture is: its library, headers, pkg-config and
// CMake files, the worker launcher and the example executables, in one prefix.
//
// Two places, in this order:
// - <package>/sdk: built on this machine by `npm install` in a checkout (or
//   with a compiler present), always for this machine's architecture;
// - <package>/prebuilds/linux-<arch>/sdk: built by `npm run build:prebuilds` and
//   shipped in the npm package, for linux-x64 and linux-arm64, so a gateway
//   without a compiler runs the prebuilt one, and a laptop cross-builds
//   functions for an arm64 gateway against the arm64 one.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './binding';

/** The SDK's shared library, which functions load. */
export const SDK_LIBRARY = path.join('lib', 'libaws-greengrass-core-sdk-c.so');
/** The worker launcher the runtime starts every function through. */
export const SDK_LAUNCHER = path.join('bin', 'nanolambda-launcher');
/** What makes a prefix a usable SDK (scripts/install.js keeps a copy: it is plain JS). */
const SDK_REQUIRED = [SDK_LIBRARY, SDK_LAUNCHER];

/** The prebuilt SDK's prefix for `arch` (process.arch names: x64, arm64), present or not. */
export function prebuiltSdkDir(arch: string): string {
  return path.join(packageRoot, 'prebuilds', `linux-${arch}`, 'sdk');
}

/** Where the SDK for `arch` may be, in the order the runtime looks. */
export function sdkCandidates(arch: string = process.arch): string[] {
  const local = path.join(packageRoot, 'sdk');
  return arch === process.arch ? [local, prebuiltSdkDir(arch)] : [prebuiltSdkDir(arch)];
}

/** The SDK prefix for `arch`, or undefined when neither place holds one. */
export function findSdkDir(arch: string = process.arch): string | undefined {
  return sdkCandidates(arch).find((dir) => SDK_REQUIRED.every((file) => fs.existsSync(path.join(dir, file))));
}

/** Why no SDK was found for `arch`, naming where we looked and how to get one. */
export function missingSdkReason(arch: string = process.arch): string {
  const looked = sdkCandidates(arch).join(' and ');
  const fix =
    arch === process.arch
      ? 'build it with `npm run build:csdk` (npm install does it when no prebuilt SDK is present)'
      : `build the prebuilds with \`npm run build:prebuilds\` (it cross-compiles for ${arch})`;
  return `no nanolambda C SDK for linux-${arch} in ${looked}: ${fix}`;
}
