// `nanolambda start`, `ps` and SIGTERM as a user meets them: the compiled
// bin in real processes, a real group of real C executables.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeStatus } from '../src/control/status';
import { signedPost } from './helpers/signed-fetch';
import { cli, ensureBuilt, startCli, type StartedCli } from './helpers/cli';
import { buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

let dir: string;
let group: string;
let runtime: StartedCli | undefined;

beforeAll(async () => {
  ensureSdk();
  ensureBuilt();
  dir = tempDir('cli-lifecycle');
  const probe = buildExecutable(path.join(__dirname, 'fixtures', 'probe.c'), dir);
  group = writeGroup(
    dir,
    [
      { name: 'steady', executable: probe, pinned: true, timeout: 10 },
      { name: 'elastic', executable: probe, maxInstances: 2, settings: { MinWarm: 1 } },
    ],
    [],
    { Runtime: { ShutdownGraceSeconds: 5 } },
  );
  runtime = await startCli([group, '--port', '0'], dir);
}, 180_000);

afterAll(async () => {
  if (runtime && runtime.child.exitCode === null) {
    runtime.child.kill('SIGKILL');
    await runtime.exited;
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a running runtime', () => {
  it('ps lists functions, workers and queues', async () => {
    const table = await cli(['ps', group], { cwd: dir });
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^runtime pid \d+, up /);
    expect(table.stdout).toMatch(/steady\s+1\s+pinned\s+1\/1\s+0\/1000/);
    expect(table.stdout).toMatch(/elastic\s+1\s+on-demand\s+1\/2 \(1 warm\)/);

    const json = await cli(['ps', group, '--json'], { cwd: dir });
    const status = JSON.parse(json.stdout) as RuntimeStatus;
    expect(status.pid).toBe(runtime!.child.pid);
    const steady = status.functions.find((f) => f.name === 'steady')!;
    expect(steady.workers).toHaveLength(1);
    const worker = steady.workers[0]!;
    expect(isAlive(worker.pid!)).toBe(true);
    expect(worker.rssKb).toBeGreaterThan(100);
    expect(worker.peakRssKb).toBeGreaterThanOrEqual(worker.rssKb!);
    expect(status.workersInUse).toBe(1); // elastic's warm worker; pinned ones are not counted
  });

  it('a second runtime on the same state directory refuses to start', async () => {
    const second = await cli(['start', group, '--port', '0'], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another nanolambda runtime is using the state directory .*state/);
  });

  it('SIGTERM lets an in-flight invocation finish, stops every worker and exits 0', async () => {
    const status = JSON.parse((await cli(['ps', group, '--json'], { cwd: dir })).stdout) as RuntimeStatus;
    const pids = status.functions.flatMap((f) => f.workers.map((w) => w.pid!));
    expect(pids.length).toBe(2);
    const slow = signedPost(`${runtime!.endpoint}/2015-03-31/functions/steady/invocations`, path.join(dir, 'state'), 'last sleep=3000');
    const running = async () => {
      const now = JSON.parse((await cli(['ps', group, '--json'], { cwd: dir })).stdout) as RuntimeStatus;
      return now.functions.find((f) => f.name === 'steady')!.workers[0]?.inFlight === 1;
    };
    await waitFor(running, 10_000, 'the invocation to be running');
    runtime!.child.kill('SIGTERM');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    expect(await response.text()).toMatch(/tag=last$/);
    expect(await runtime!.exited).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);

    const after = await cli(['ps', group], { cwd: dir });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/control\.sock: no runtime is running there/);
  });
});
