#!/usr/bin/env node
// Build the native parts nanolambda ships prebuilt, for linux-x64 and
// linux-arm64, from this x86_64 machine (arm64 with Debian's
// gcc-aarch64-linux-gnu cross toolchain):
//
//   prebuilds/linux-<arch>/nanolambda.glibc.node  the addon (Node-API: one per
//                                       platform; the name node-gyp-build reads)
//   prebuilds/linux-<arch>/sdk/         the C SDK: lib/, include/, pkg-config
//                                       and CMake files, the static launcher
//                                       and the example executables
//
// `npm pack` runs this (prepack), so a package installs on a gateway with no
// compiler. Usage: npm run build:prebuilds [-- --arch x64|arm64 ...]
//
// Everything is built in a scratch directory, never in ./build or
// ./build-csdk: node-gyp-build loads build/Release before prebuilds, so an
// arm64 build there would break this checkout's own runtime.
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** How to build for each architecture on this x86_64 machine. */
const TARGETS = {
  x64: { machine: 62, cross: undefined },
  arm64: { machine: 183, cross: 'aarch64-linux-gnu' },
};

/** The source files the prebuilds are made from; their hash marks the prebuilds as current. */
const SOURCES = ['binding.gyp', 'native', 'csdk'];

function main() {
  const arches = requestedArches(process.argv.slice(2));
  if (os.machine() !== 'x86_64') fail(`prebuilds are made on an x86_64 machine; this one is ${os.machine()}`);
  const unlock = lockPrebuilds();
  try {
    buildAll(arches);
  } finally {
    unlock();
  }
}

function buildAll(arches) {
  const hash = sourceHash();
  for (const arch of arches) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `nanolambda-prebuild-${arch}-`));
    const stamp = sourceHashFile(arch);
    try {
      // Not current while it is being rebuilt, whatever happens next.
      fs.rmSync(stamp, { force: true });
      buildAddon(arch, scratch);
      buildSdk(arch, scratch);
      checkMachines(arch);
      fs.writeFileSync(stamp, `${hash}\n`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    console.log(`prebuild: prebuilds/linux-${arch} is ready`);
  }
}

/**
 * One prebuild at a time per checkout: two would share the fixed sdk.new and
 * sdk.old names. A second one waits for the first (test files running side
 * by side may both find the prebuilds stale), then builds on its own. A lock
 * whose process is gone is taken over.
 */
function lockPrebuilds() {
  const lock = path.join(root, 'prebuilds', '.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readOr(lock, ''), 10);
    if (!Number.isInteger(holder) || !isAlive(holder)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) fail(`another prebuild (pid ${holder}) has held ${lock} for 15 minutes`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Where an architecture's prebuilds record the hash of the sources they were made from. */
function sourceHashFile(arch) {
  return path.join(root, 'prebuilds', `linux-${arch}`, 'SOURCE-HASH');
}

function requestedArches(args) {
  const arches = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--arch' || args[i + 1] === undefined) fail(`unknown argument ${JSON.stringify(args[i])}: use --arch x64|arm64`);
    const arch = args[++i];
    if (!TARGETS[arch]) fail(`unknown architecture ${JSON.stringify(arch)}: use x64 or arm64`);
    arches.push(arch);
  }
  return arches.length > 0 ? arches : Object.keys(TARGETS);
}

/** The addon with prebuildify, from a copy of its sources so ./build is not touched. */
function buildAddon(arch, scratch) {
  const { cross } = TARGETS[arch];
  const staging = path.join(scratch, 'addon');
  fs.mkdirSync(staging);
  for (const entry of ['binding.gyp', 'native', 'package.json']) {
    fs.cpSync(path.join(root, entry), path.join(staging, entry), { recursive: true });
  }
  // binding.gyp asks node-addon-api where its headers are, from the staging dir.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'));
  const env = { ...process.env, npm_config_nodedir: nodeDir() };
  if (cross) requireTool(`${cross}-g++`);
  if (cross) Object.assign(env, { CC: `${cross}-gcc`, CXX: `${cross}-g++`, LINK: `${cross}-g++`, AR: `${cross}-ar` });
  const args = [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc', '--arch', arch, '--cwd', staging, '--out', root];
  args.push('--node-gyp', nodeGyp());
  if (cross) args.push('--strip-bin', `${cross}-strip`);
  run(process.execPath, args, { env });
}

/** The SDK with CMake, installed stripped into prebuilds/linux-<arch>/sdk. */
function buildSdk(arch, scratch) {
  const { cross } = TARGETS[arch];
  const build = path.join(scratch, 'csdk');
  const prefix = path.join(root, 'prebuilds', `linux-${arch}`, 'sdk');
  const configure = ['-S', path.join(root, 'csdk'), '-B', build, '-DCMAKE_BUILD_TYPE=Release'];
  if (cross) {
    requireTool(`${cross}-gcc`);
    configure.push(`-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'csdk', 'cmake', `${cross}.cmake`)}`);
  }
  run('cmake', configure);
  run('cmake', ['--build', build, '--parallel', String(Math.max(1, os.availableParallelism()))]);
  // Installed beside, then swapped in with two renames: a runtime using the
  // old SDK finds no SDK only between them, never a half-written one.
  const fresh = `${prefix}.new`;
  const old = `${prefix}.old`;
  for (const dir of [fresh, old]) fs.rmSync(dir, { recursive: true, force: true });
  run('cmake', ['--install', build, '--prefix', fresh, '--strip']);
  if (fs.existsSync(prefix)) fs.renameSync(prefix, old);
  fs.renameSync(fresh, prefix);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Every ELF file made must be for the architecture it is filed under. */
// Its own e_machine reading, not src/system/architecture.ts's: this plain JS runs before any TypeScript is compiled.
function checkMachines(arch) {
  const dir = path.join(root, 'prebuilds', `linux-${arch}`);
  const files = listFiles(dir);
  if (!files.some((file) => file.endsWith('.node'))) fail(`prebuildify left no addon in ${dir}`);
  for (const file of files) {
    const head = Buffer.alloc(20);
    const fd = fs.openSync(file, 'r');
    const length = fs.readSync(fd, head, 0, 20, 0);
    fs.closeSync(fd);
    if (length < 20 || head.readUInt32BE(0) !== 0x7f454c46) continue;
    const machine = head.readUInt16LE(18);
    if (machine !== TARGETS[arch].machine) fail(`${file} was built for ELF machine ${machine}, not ${arch}`);
  }
}

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/** A hash of the native sources, so tests can tell current prebuilds from stale ones. */
function sourceHash() {
  const hash = crypto.createHash('sha256');
  const files = SOURCES.flatMap((entry) => {
    const full = path.join(root, entry);
    return fs.statSync(full).isDirectory() ? listFiles(full) : [full];
  });
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Node's headers for node-gyp. Without a nodedir, prebuildify's node-gyp
 * would download them from nodejs.org; the running Node's own install has
 * them when it was installed with headers (Debian, NodeSource: /usr).
 */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  fail(`no Node headers in ${path.join(prefix, 'include', 'node')}: set npm_config_nodedir to a Node source or headers directory`);
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((file) => file && fs.existsSync(file));
  if (!found) fail(`node-gyp not found (looked in ${candidates.filter(Boolean).join(', ')}): run this with npm run build:prebuilds`);
  return found;
}

function requireTool(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    fail(`${name} is not installed: apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross`);
  }
}

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

/** Stop the build: main's finally blocks still remove the scratch directories. */
function fail(message) {
  throw new PrebuildError(message);
}

class PrebuildError extends Error {}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    // A command that failed has printed why; our own failures say it here.
    const shown = error instanceof PrebuildError || error.status !== undefined ? error.message.split('\n')[0] : error.stack;
    console.error(`prebuild: ${shown}`);
    process.exit(1);
  }
}
module.exports = { sourceHash, sourceHashFile };
