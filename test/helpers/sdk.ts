// Test helpers around the built SDK: where it is, building C test
// executables against it, and writing group files that use them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const sdkDir = path.join(repoRoot, 'sdk');
export const sdkLib = path.join(sdkDir, 'lib');
export const sdkInclude = path.join(sdkDir, 'include');
export const examplesDir = path.join(sdkDir, 'libexec', 'nanolambda', 'examples');
export const libPath = path.join(sdkLib, 'libaws-greengrass-core-sdk-c.so');

/** Build the SDK (lib, launcher, examples) with the users' command unless it is installed. */
export function ensureSdk(): void {
  const installed = [libPath, path.join(sdkDir, 'bin', 'nanolambda-launcher'), path.join(examplesDir, 'echo')];
  if (installed.every((file) => fs.existsSync(file))) return;
  execFileSync('npm', ['run', 'build:csdk'], { cwd: repoRoot, stdio: 'inherit' });
}

/** A fresh temporary directory under test/.tmp (kept for post-mortems). */
export function tempDir(prefix: string): string {
  const base = path.join(repoRoot, 'test', '.tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

/** Compile a C source against our SDK with the strict flags users get. */
export function buildExecutable(source: string, outDir: string, extraFlags: string[] = []): string {
  const out = path.join(outDir, path.basename(source, '.c'));
  execFileSync(
    'gcc',
    [
      '-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-D_GNU_SOURCE',
      '-I', path.join(sdkDir, 'include'),
      source, '-o', out,
      '-L', path.join(sdkDir, 'lib'), '-laws-greengrass-core-sdk-c', '-Wl,--enable-new-dtags', `-Wl,-rpath,${path.join(sdkDir, 'lib')}`,
      ...extraFlags,
    ],
    { stdio: 'pipe' },
  );
  return out;
}

export const ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';

export interface TestFunction {
  name: string;
  executable: string;
  timeout?: number;
  pinned?: boolean;
  maxInstances?: number;
  /** More of its Nanolambda.Functions entry (MinWarm, MaxQueueSize, OnFailure, ...). */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** `arn:aws:lambda:<region>:<account>:function:` for this function; ARN_PREFIX unless given. */
  arnPrefix?: string;
}

/** The version-1 ARN writeGroup gives a function. */
export function arnOf(f: TestFunction): string {
  return `${f.arnPrefix ?? ARN_PREFIX}${f.name}:1`;
}

/** The identity the tests run as, as a RunAs. */
export const TEST_RUNNER = { Uid: process.getuid?.() ?? 0, Gid: process.getgid?.() ?? 0 };

/** Write a group file (version 1 of each function) and return its path. */
export function writeGroup(
  dir: string,
  functions: TestFunction[],
  subscriptions: Array<{ source: string; subject: string; target: string }> = [],
  /** More keys of the Nanolambda section (Runtime, LogRotation, StateDir, ...). */
  nanolambda: Record<string, unknown> = {},
): string {
  const json = {
    FunctionDefinitionVersion: {
      // The functions read and write the test's private directories: they
      // run as the test does (root on CI, which the runtime must be told to
      // allow) instead of the default nobody.
      DefaultConfig: { Execution: { IsolationMode: 'NoContainer', RunAs: TEST_RUNNER } },
      Functions: functions.map((f) => ({
        Id: f.name,
        FunctionArn: arnOf(f),
        FunctionConfiguration: {
          Executable: path.basename(f.executable),
          EncodingType: 'binary',
          Timeout: f.timeout ?? 3,
          Pinned: f.pinned ?? false,
          Environment: { Variables: f.env ?? {}, Execution: { IsolationMode: 'NoContainer' } },
        },
      })),
    },
    SubscriptionDefinitionVersion: {
      Subscriptions: subscriptions.map((s, i) => ({ Id: `s${i}`, Source: s.source, Subject: s.subject, Target: s.target })),
    },
    Nanolambda: {
      Code: Object.fromEntries(functions.map((f) => [arnOf(f), f.executable])),
      Functions: Object.fromEntries(
        functions
          .filter((f) => f.maxInstances || f.settings)
          .map((f) => [arnOf(f), { ...(f.maxInstances ? { MaxInstances: f.maxInstances } : {}), ...f.settings }]),
      ),
      Http: false,
      LogDir: path.join(dir, 'logs'),
      ...nanolambda,
      Runtime: { ...(TEST_RUNNER.Uid === 0 || TEST_RUNNER.Gid === 0 ? { AllowFunctionsToRunAsRoot: true } : {}), ...(nanolambda.Runtime as object) },
    },
  };
  const file = path.join(dir, 'group.json');
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}
