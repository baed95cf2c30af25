// A runtime that cannot isolate: run as an unprivileged user (no namespaces,
// no writable cgroups, no other identities), a function configured for a
// container and a memory limit fails its deployment with one line per gap,
// unless AllowIsolationFallback lets it run with rlimits only, which the
// runtime then says at start. The runtime really runs as uid 65534 here,
// in a child process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli';
import { ARN_PREFIX, ensureSdk, examplesDir, repoRoot, tempDir } from './helpers/sdk';

const NOBODY = 65534;
const skip = process.getuid?.() !== 0 ? 'running the runtime as another user needs root' : undefined;
console.log(skip ? `skipping the fallback tests: ${skip}` : `fallback tests: the runtime runs as uid ${NOBODY}`);

/** Start a runtime on `group` as nobody, invoke echo once, stop; what it printed. */
function runAsNobody(group: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    const { Runtime } = require(${JSON.stringify(path.join(repoRoot, 'dist', 'index.js'))});
    Runtime.start({ group: ${JSON.stringify(group)}, http: false })
      .then(async (runtime) => {
        const result = await runtime.invoke('echo', 'unprotected but running');
        console.log(result.payload.toString());
        await runtime.stop();
      })
      .catch((error) => { console.log(error.code + ': ' + error.message); process.exitCode = 3; });`;
  const run = spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.skipIf(skip !== undefined)('isolation the machine cannot give', () => {
  let dir: string;

  const writeGroup = (extra: object): string => {
    const arn = `${ARN_PREFIX}echo:1`;
    const group = {
      FunctionDefinitionVersion: {
        Functions: [
          {
            Id: 'echo',
            FunctionArn: arn,
            // GreengrassContainer by default, with Greengrass's default 16 MB limit.
            FunctionConfiguration: { Executable: 'echo', EncodingType: 'binary', Timeout: 5 },
          },
        ],
      },
      Nanolambda: { Code: { [arn]: path.join(examplesDir, 'echo') }, Http: false, ...extra },
    };
    const file = path.join(dir, `group-${Object.keys(extra).length}.json`);
    fs.writeFileSync(file, JSON.stringify(group));
    return file;
  };

  beforeAll(() => {
    ensureSdk();
    ensureBuilt();
    dir = tempDir('fallback');
    fs.chmodSync(dir, 0o777);
  });

  it('fails the deployment with one line per function and missing capability', () => {
    const run = runAsNobody(writeGroup({}));
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('ISOLATION_UNAVAILABLE: this machine cannot isolate the functions as configured:');
    expect(run.stdout).toMatch(/\n {2}echo: GreengrassContainer mode needs mount, pid, ipc and uts namespaces \(cannot create .*: Operation not permitted\)/);
    expect(run.stdout).toMatch(/\n {2}echo: its memory limit of 16384 KB needs a memory cgroup \(.+\)/);
    expect(run.stdout).toContain('set Nanolambda.Runtime.AllowIsolationFallback to true');
  });

  it('with AllowIsolationFallback, runs the function with rlimits only and says so at start', () => {
    const run = runAsNobody(writeGroup({ Runtime: { AllowIsolationFallback: true } }));
    expect(run.stderr).toMatch(/functions cannot run in GreengrassContainer mode \(cannot create .*Operation not permitted\)/);
    expect(run.stderr).toMatch(/functions run without memory limits \(.+\)/);
    expect(run.stderr).toMatch(/echo: GreengrassContainer mode needs .*: running it without \(AllowIsolationFallback\)/);
    expect(run.stdout).toBe('unprotected but running\n');
    expect(run.status).toBe(0);
  });
});
