#!/usr/bin/env node
// npm's install step for nanolambda: use the prebuilt native parts shipped in
// prebuilds/linux-<arch>/ when they fit this machine, and compile only what
// is missing. A gateway without a compiler installs from the npm package.
//
// 1. The addon: node-gyp-build loads a prebuild if one loads here (the right
//    CPU, a new enough glibc) and runs node-gyp otherwise.
// 2. The C SDK (library, launcher, examples): the prebuilt one for this
//    architecture if its files are there and this glibc can run them, else
//    `npm run build:csdk` into sdk/. A git checkout always builds it: its
//    prebuilds/, if any, were made from sources that may have changed since.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** What the runtime needs from an SDK prefix (kept in step with src/native/sdk-location.ts). */
const SDK_FILES = [path.join('lib', 'libaws-greengrass-core-sdk-c.so'), path.join('bin', 'nanolambda-launcher')];
/**
 * The newest glibc symbol version the prebuilt SDK needs (Debian 12's
 * toolchain: __libc_start_main and pthread_create @GLIBC_2.34). The README
 * promises it and test/prebuilds-glibc.test.ts holds all three to the same number.
 */
const PREBUILT_SDK_GLIBC = '2.34';

function main() {
  execFileSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], { cwd: root, stdio: 'inherit' });
  const unusable = prebuiltSdkUnusable();
  if (unusable === undefined) {
    console.log(`nanolambda: using the prebuilt C SDK in ${path.relative(root, prebuiltSdk())}`);
    return;
  }
  console.log(`nanolambda: ${unusable}; building the C SDK (needs gcc and cmake)`);
  execFileSync('npm', ['run', 'build:csdk'], { cwd: root, stdio: 'inherit' });
}

function prebuiltSdk() {
  return path.join(root, 'prebuilds', `linux-${process.arch}`, 'sdk');
}

/** Why the prebuilt SDK cannot serve this machine, or undefined when it can. */
function prebuiltSdkUnusable() {
  if (fs.existsSync(path.join(root, '.git'))) return 'a git checkout builds its own C SDK';
  const dir = prebuiltSdk();
  if (process.platform !== 'linux' || !SDK_FILES.every((file) => fs.existsSync(path.join(dir, file)))) {
    return `no prebuilt C SDK for ${process.platform}-${process.arch}`;
  }
  // A musl system reports no glibc: the prebuilt (glibc) SDK cannot load there.
  const glibc = process.report.getReport().header.glibcVersionRuntime;
  if (glibc === undefined) return 'this system has no glibc; the prebuilt C SDK needs it';
  if (olderThan(glibc, PREBUILT_SDK_GLIBC)) {
    return `glibc ${glibc} is older than ${PREBUILT_SDK_GLIBC}, which the prebuilt C SDK needs`;
  }
  return undefined;
}

function olderThan(version, minimum) {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    // A failed command has printed why: exit with its status so npm reports it.
    if (typeof error.status === 'number' && error.status !== 0) process.exit(error.status);
    console.error(`nanolambda install: ${error.stack ?? error}`);
    process.exit(1);
  }
}
module.exports = { PREBUILT_SDK_GLIBC };
