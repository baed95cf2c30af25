// Deploying a new group to a running runtime: unchanged entries keep their
// warm workers, a changed entry finishes what is in flight on the old
// configuration while new invocations get the new one, removed entries are
// gone, added ones answer, and a group that needs a restart is refused with
// the running one left intact. Real workers throughout.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { signedPost } from './helpers/signed-fetch';
import { cli, ensureBuilt, startCli, type StartedCli } from './helpers/cli';
import { buildRecorder, readRecords, recorderGroup } from './helpers/event-recorder';
import { sleep, waitFor } from './helpers/wait';
import { buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('deploy', () => {
  let dir: string;
  let probe: string;
  let shell: string;
  let runtime: Runtime;
  const shared = (dir: string) => ({ LogDir: path.join(dir, 'logs'), StateDir: path.join(dir, 'state') });

  const groupIn = (name: string, functions: Parameters<typeof writeGroup>[1], extra: Record<string, unknown> = {}): string => {
    const sub = path.join(dir, name);
    fs.mkdirSync(sub, { recursive: true });
    return writeGroup(sub, functions, [], { ...shared(dir), ...extra });
  };
  const text = async (fn: string, payload: string): Promise<string> => (await runtime.invoke(fn, payload)).payload.toString();
  const pidOf = async (fn: string): Promise<number> => Number(/pid=(\d+)/.exec(await text(fn, 'x'))![1]);

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('deploy');
    probe = buildExecutable(path.join(__dirname, 'fixtures', 'probe.c'), dir);
    shell = buildExecutable(path.join(__dirname, 'fixtures', 'shell.c'), dir);
    const first = groupIn('v1', [
      { name: 'steady', executable: probe },
      { name: 'changing', executable: shell, env: { TAG: 'old' }, timeout: 10 },
      { name: 'removed', executable: probe },
    ]);
    runtime = await Runtime.start({ group: first, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('switches: in-flight work finishes on the old entry, new work runs on the new one, unchanged entries stay warm', async () => {
    const steadyPid = await pidOf('steady');
    expect(await text('changing', 'echo $TAG')).toBe('old\nexit=0');
    const removedPid = await pidOf('removed');
    const inFlight = runtime.invoke('changing', 'sleep 1; echo $TAG');
    await new Promise((resolve) => setTimeout(resolve, 200));

    await runtime.deploy(
      groupIn('v2', [
        { name: 'steady', executable: probe },
        { name: 'changing', executable: shell, env: { TAG: 'new' }, timeout: 10 },
        { name: 'fresh', executable: probe },
      ]),
    );

    expect(await text('changing', 'echo $TAG')).toBe('new\nexit=0');
    expect((await inFlight).payload.toString()).toBe('old\nexit=0');
    expect(await pidOf('steady')).toBe(steadyPid);
    expect(await text('fresh', 'hello')).toMatch(/count=1 tag=hello$/);
    await expect(runtime.invoke('removed', 'x')).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    // The removed entry's worker is stopped once it has nothing left to do.
    await expect.poll(() => alive(removedPid), { timeout: 10_000 }).toBe(false);
  });

  it('refuses a group that needs a restart and keeps the running one', async () => {
    const other = groupIn('v3', [{ name: 'steady', executable: probe }], { LogDir: path.join(dir, 'elsewhere') });
    await expect(runtime.deploy(other)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
      message: expect.stringContaining('logDir differs from the running runtime'),
    });
    expect(await text('changing', 'echo $TAG')).toBe('new\nexit=0');
    expect(await text('fresh', 'again')).toMatch(/tag=again$/);
    // A section the running group does not have at all.
    const withBroker = groupIn('v4', [{ name: 'steady', executable: probe }], { Mqtt: { Port: 0 } });
    await expect(runtime.deploy(withBroker)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
      message: expect.stringContaining('mqtt differs from the running runtime\'s (undefined -> {"host":"127.0.0.1","port":0}): it needs a restart'),
    });
  });

  it('refuses an invalid group with its config error and keeps the running one', async () => {
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{"FunctionDefinitionVersion": {"Functions": [{}]}, "Nanolambda": {"Code": {}}}');
    await expect(runtime.deploy(broken)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await text('changing', 'echo $TAG')).toBe('new\nexit=0');
  });
});

describe('deploy and asynchronous events', () => {
  it('does not run an Event twice when its function is removed and comes back while it runs', async () => {
    const dir = tempDir('deploy-events');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'rec', sleepMs: 800 }]);
    const runtime = await Runtime.start({ group: setup.group, http: false });
    try {
      await runtime.invoke('rec', 'once', { type: 'Event' });
      await waitFor(() => readRecords(setup.recordFile('rec')).length === 1, 10_000, 'the event to start');
      // Removed while it runs, then back before it finished: the lane of the
      // removed function resumes instead of a new one taking the event again.
      const removed = runtime.deploy({ ...setup.group, functions: [] });
      await runtime.deploy(setup.group);
      await removed;
      await sleep(1500);
      expect(readRecords(setup.recordFile('rec')).map((r) => r.payload)).toEqual(['once']);
      expect(runtime.eventStatus().find((e) => e.functionArn === setup.fn('rec').arn)).toMatchObject({ queued: 0, inFlight: 0 });
    } finally {
      await runtime.stop();
    }
  });
});

describe('nanolambda deploy', () => {
  let dir: string;
  let shell: string;
  let started: StartedCli;
  const groupIn = (name: string, tag: string): string => {
    const sub = path.join(dir, name);
    fs.mkdirSync(sub, { recursive: true });
    return writeGroup(sub, [{ name: 'tagged', executable: shell, env: { TAG: tag } }], [], {
      LogDir: path.join(dir, 'logs'),
      StateDir: path.join(dir, 'state'),
    });
  };
  const invoke = async (command: string): Promise<string> =>
    (await signedPost(`${started.endpoint}/2015-03-31/functions/tagged/invocations`, path.join(dir, 'state'), command)).text();

  beforeAll(async () => {
    ensureSdk();
    ensureBuilt();
    dir = tempDir('deploy-cli');
    shell = buildExecutable(path.join(__dirname, 'fixtures', 'shell.c'), dir);
    started = await startCli([groupIn('v1', 'one'), '--port', '0'], dir);
  }, 180_000);

  afterAll(async () => {
    started?.child.kill('SIGTERM');
    await started?.exited;
  });

  it('switches the running runtime through its control socket', async () => {
    expect(await invoke('echo $TAG')).toBe('one\nexit=0');
    const deployed = await cli(['deploy', groupIn('v2', 'two')], { cwd: dir });
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toMatch(/^deployed .*v2\/group\.json: 1 function entries, state directory .*state\n$/);
    expect(deployed.code).toBe(0);
    expect(await invoke('echo $TAG')).toBe('two\nexit=0');
  });

  it('prints why a group cannot be deployed, and changes nothing', async () => {
    const other = path.join(dir, 'v3');
    fs.mkdirSync(other);
    const file = writeGroup(other, [{ name: 'tagged', executable: shell, env: { TAG: 'three' } }], [], {
      LogDir: path.join(dir, 'elsewhere'),
      StateDir: path.join(dir, 'state'),
    });
    const refused = await cli(['deploy', file], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/logDir differs from the running runtime's .* it needs a restart, not a deployment/);
    expect(await invoke('echo $TAG')).toBe('two\nexit=0');
  });
});
