// The arm64 addon in an arm64 Node (issue 9): Debian bookworm's arm64 nodejs,
// unpacked (never installed) and run by qemu-user, loads the package's
// linux-arm64 prebuild through node-gyp-build and runs real invocations of
// the arm64 echo example through the arm64 launcher, driven by nanolambda's
// own worker layer (test/fixtures/arm64-addon-harness.js). The same harness
// with the host's x64 Node on the same package is the control: it must load
// the other prebuild and give the same answers.
//
// What needs no network is decided at collection (describe.skipIf). Debian's
// node is fetched (or its cache proven to run arm64) in a hook: a mirror out
// of reach skips each test with the printed reason; a broken download or
// cache fails them.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ensureBuilt } from './helpers/cli';
import { aarch64EmulationUnavailable, QEMU_AARCH64, registerAarch64, type Aarch64Emulation } from './helpers/binfmt';
import { debianArm64Node, debianArm64NodeUnavailable, FETCH_TIMEOUT_MS, type DebianArm64Node } from './helpers/debian-arm64-node';
import { ensurePrebuilds, prebuildsUnavailable } from './helpers/prebuilds';
import { ARN_PREFIX, repoRoot, tempDir, writeGroup } from './helpers/sdk';

const run = promisify(execFile);
const HARNESS = path.join(repoRoot, 'test', 'fixtures', 'arm64-addon-harness.js');
/** Everything under qemu is slow (a Node start alone takes seconds); a stuck run must still end. */
const HARNESS_TIMEOUT_MS = 300_000;

const noPrebuilds = prebuildsUnavailable();
const noArm64Node = noPrebuilds ?? aarch64EmulationUnavailable() ?? debianArm64NodeUnavailable();
if (noPrebuilds !== undefined) console.warn(`skipping the package's addon under arm64 and x64 Node: ${noPrebuilds}`);
else if (noArm64Node !== undefined) console.warn(`skipping the arm64 addon in Debian's arm64 Node under qemu: ${noArm64Node}`);

/** Text, nothing, every byte value, more than echo's first 64 KB buffer, nothing again, a lone NUL. */
const PAYLOADS = [
  Buffer.from('hello from an arm64 gateway'),
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  crypto.randomBytes(200_000),
  Buffer.alloc(0),
  Buffer.from([0x00]),
];

interface HarnessResult {
  arch: string;
  node: string;
  napi: string;
  addon: string;
  mappedAddons: string[];
  sdkDir: string;
  workerCmdline: string[];
  outcomes: Array<{ kind: string; payload: string }>;
  exit: { code: number | null; signal: number | null } | null;
}

let packageDir: string | undefined;

/**
 * The npm package as `npm pack` would ship it (dist/, prebuilds/ for both
 * architectures, native/, runtimes/; no build/), unpacked beside its
 * installed dependencies: the addon can come only from a prebuild.
 */
async function packageShapedDir(): Promise<string> {
  if (packageDir !== undefined) return packageDir;
  ensureBuilt();
  ensurePrebuilds();
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path);
  const dir = path.join(tempDir('arm64-node-addon'), 'nanolambda');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  expect(fs.existsSync(path.join(dir, 'build'))).toBe(false);
  packageDir = dir;
  return dir;
}

function echoOf(pkg: string, arch: 'x64' | 'arm64'): string {
  return path.join(pkg, 'prebuilds', `linux-${arch}`, 'sdk', 'libexec', 'nanolambda', 'examples', 'echo');
}

/** A group with the echo example as its one NoContainer function, the payloads, and the harness's answer. */
async function runHarness(pkg: string, arch: 'x64' | 'arm64', node: string[], functionEnv: Record<string, string>): Promise<{ result: HarnessResult; work: string }> {
  const work = fs.mkdtempSync(path.join(path.dirname(pkg), `${arch}-`));
  const groupFile = writeGroup(work, [{ name: 'echo', executable: echoOf(pkg, arch), timeout: 120, env: functionEnv }], [], { StateDir: path.join(work, 'state') });
  const requestFile = path.join(work, 'request.json');
  fs.writeFileSync(requestFile, JSON.stringify({ packageDir: pkg, groupFile, payloads: PAYLOADS.map((p) => p.toString('base64')) }));
  const started = Date.now();
  const [file, ...args] = [...node, HARNESS, requestFile];
  // A clean environment: nothing of the test runner's leaks into the function's.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  const { stdout } = await run(file!, args, { cwd: work, env, timeout: HARNESS_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  console.log(`the harness on ${arch} Node took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { result: JSON.parse(stdout) as HarnessResult, work };
}

function expectEchoed(result: HarnessResult): void {
  expect(result.outcomes.map((o) => o.kind)).toEqual(PAYLOADS.map(() => 'success'));
  result.outcomes.forEach((outcome, i) => {
    const got = Buffer.from(outcome.payload, 'base64');
    expect(got.length, `payload ${i}`).toBe(PAYLOADS[i]!.length);
    expect(got.equals(PAYLOADS[i]!), `payload ${i} byte for byte`).toBe(true);
  });
}

/** The function's log: one START and one END per invocation, in order. */
function expectLogged(work: string): void {
  const log = fs.readFileSync(path.join(work, 'logs', 'user', 'us-east-1', ARN_PREFIX.split(':')[4]!, 'echo.log'), 'utf8');
  const lines = log.split('\n').filter((line) => /^(START|END) /.test(line)).map((line) => line.split(' ')[0]);
  expect(lines).toEqual(PAYLOADS.flatMap(() => ['START', 'END']));
}

describe.skipIf(noArm64Node !== undefined)("Debian's arm64 Node under qemu-user runs the arm64 addon", () => {
  let emulation: Aarch64Emulation | undefined;
  let node: DebianArm64Node;
  /** Set when Debian's mirror could not be reached: every test skips with it. */
  let unreachable: string | undefined;
  let pkg: string;
  let result: HarnessResult;
  let work: string;

  beforeAll(async () => {
    const got = await debianArm64Node();
    if ('unavailable' in got) {
      unreachable = got.unavailable;
      console.warn(`skipping the arm64 addon in Debian's arm64 Node under qemu: ${unreachable}`);
      return;
    }
    node = got;
  }, FETCH_TIMEOUT_MS);

  beforeAll(async () => {
    if (unreachable !== undefined) return;
    pkg = await packageShapedDir();
    // The addon's spawn of the launcher, and the launcher's exec of echo,
    // go through the kernel: it needs the aarch64 handler to run them.
    emulation = registerAarch64('nanolambda-test-arm64-node-addon');
    // QEMU_LD_PREFIX: the dynamic arm64 echo finds its ld.so and libc in the
    // same Debian root the Node comes from, as on an arm64 gateway.
    ({ result, work } = await runHarness(pkg, 'arm64', [QEMU_AARCH64, '-L', node.root, node.node], { QEMU_LD_PREFIX: node.root }));
  }, HARNESS_TIMEOUT_MS + 180_000);

  afterAll(() => emulation?.undo());

  /** Shown by vitest as skipped, with the reason, when the mirror was out of reach. */
  const skipIfUnreachable = (ctx: TestContext): void => ctx.skip(unreachable !== undefined, unreachable);

  it("is Debian's arm64 nodejs: arm64, the Debian version's Node, Node-API 9 (the addon asks for 8)", (ctx) => {
    skipIfUnreachable(ctx);
    expect(result.arch).toBe('arm64');
    expect(result.node).toBe(`v${node.debianVersion.split('+')[0]}`);
    expect(result.napi).toBe('9');
  });

  it('loads the linux-arm64 prebuild through node-gyp-build, from a package that ships both and has no build/', (ctx) => {
    skipIfUnreachable(ctx);
    const arm64Addon = path.join(pkg, 'prebuilds', 'linux-arm64', 'nanolambda.glibc.node');
    expect(result.addon).toBe(arm64Addon);
    expect(result.mappedAddons).toEqual([arm64Addon]);
  });

  it("runs the arm64 launcher and echo from the package's arm64 SDK, emulated by qemu through binfmt", (ctx) => {
    skipIfUnreachable(ctx);
    expect(result.sdkDir).toBe(path.join(pkg, 'prebuilds', 'linux-arm64', 'sdk'));
    // binfmt_misc puts the interpreter in front: [qemu, the file the launcher exec'd].
    expect(result.workerCmdline).toEqual([QEMU_AARCH64, echoOf(pkg, 'arm64')]);
  });

  it('answers every payload byte for byte: text, empty, 0x00..0xff, 200 KB, one after another and queued', (ctx) => {
    skipIfUnreachable(ctx);
    expectEchoed(result);
  });

  it('shuts the worker down cleanly (exit code 0), with START and END logged for each invocation', (ctx) => {
    skipIfUnreachable(ctx);
    expect(result.exit).toEqual({ code: 0, signal: null });
    expectLogged(work);
  });
});

describe.skipIf(noPrebuilds !== undefined)("control: the host's x64 Node on the same package", () => {
  let pkg: string;
  let result: HarnessResult;
  let work: string;

  beforeAll(async () => {
    pkg = await packageShapedDir();
    ({ result, work } = await runHarness(pkg, 'x64', [process.execPath], {}));
  }, HARNESS_TIMEOUT_MS + 180_000);

  it('loads the linux-x64 prebuild and runs the x64 echo natively, with the same answers and a clean exit', () => {
    expect(result.arch).toBe('x64');
    expect(result.addon).toBe(path.join(pkg, 'prebuilds', 'linux-x64', 'nanolambda.glibc.node'));
    expect(result.workerCmdline).toEqual([echoOf(pkg, 'x64')]);
    expectEchoed(result);
    expect(result.exit).toEqual({ code: 0, signal: null });
    expectLogged(work);
  });
});
