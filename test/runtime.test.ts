// End to end through the TypeScript API: real C executables linked against
// our SDK, started through the launcher, invoked over the native channel.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import type { PublishEvent } from '../src/messaging/message-bus';
import { execFileSync } from 'node:child_process';
import { ARN_PREFIX, buildExecutable, ensureSdk, examplesDir, repoRoot, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

let runtime: Runtime;
let dir: string;

function errorOf(payload: Buffer): { errorType?: string; errorMessage: string } {
  return JSON.parse(payload.toString('utf8'));
}

beforeAll(async () => {
  ensureSdk();
  dir = tempDir('runtime');
  const hostile = buildExecutable(path.join(__dirname, 'fixtures', 'hostile.c'), dir);
  const stubbedEcho = buildAgainstStub(dir);
  const example = (name: string) => path.join(examplesDir, name);
  const group = writeGroup(
    dir,
    [
      { name: 'echo', executable: example('echo') },
      { name: 'counter', executable: example('counter'), maxInstances: 1 },
      { name: 'publisher', executable: example('publisher'), env: { PUBLISH_TOPIC: 'demo/events' } },
      { name: 'invoker', executable: example('invoker'), env: { INVOKEE_ARN: `${ARN_PREFIX}invokee:1` } },
      { name: 'invokee', executable: example('invokee') },
      { name: 'crasher', executable: example('crasher') },
      { name: 'hanger', executable: example('hanger'), timeout: 1 },
      { name: 'hostile', executable: hostile },
      { name: 'pinned', executable: example('counter'), pinned: true },
      { name: 'stubbed', executable: stubbedEcho },
      { name: 'throttled', executable: example('hanger'), maxInstances: 1, timeout: 1 },
    ],
    [{ source: `${ARN_PREFIX}publisher:1`, subject: 'demo/#', target: `${ARN_PREFIX}counter:1` }],
  );
  runtime = await Runtime.start({ group, http: false });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('synchronous invocations', () => {
  it('echoes binary payloads of every size byte for byte', async () => {
    for (const size of [0, 1, 64, 4096, 65536, 1 << 20, 6 * 1024 * 1024]) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 131 + 7) & 0xff;
      const result = await runtime.invoke('echo', payload);
      expect(result.statusCode).toBe(200);
      expect(result.functionError).toBeUndefined();
      expect(result.executedVersion).toBe('1');
      expect(Buffer.compare(result.payload, payload)).toBe(0);
    }
  });

  it('resolves every name form to the same function', async () => {
    for (const name of ['echo', 'echo:1', `${ARN_PREFIX}echo`, `${ARN_PREFIX}echo:1`, '123456789012:function:echo']) {
      const result = await runtime.invoke(name, 'x');
      expect(result.payload.toString()).toBe('x');
    }
    await expect(runtime.invoke('nope', 'x')).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    await expect(runtime.invoke('echo:1', 'x', { qualifier: '2' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('runs many invocations in flight and answers each with its own payload', async () => {
    // Within the pool's queue limit (1,000 waiting) on top of the workers.
    const results = await Promise.all(Array.from({ length: 900 }, (_, i) => runtime.invoke('echo', `n${i}`)));
    results.forEach((r, i) => expect(r.payload.toString()).toBe(`n${i}`));
  });

  it('keeps a warm worker: state outside the handler survives', async () => {
    const first = Number((await runtime.invoke('counter', '')).payload.toString());
    const second = Number((await runtime.invoke('counter', '')).payload.toString());
    expect(second).toBe(first + 1);
  });

  it('refuses payloads over the limits with a clear error', async () => {
    await expect(runtime.invoke('echo', Buffer.alloc(6 * 1024 * 1024 + 1))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(runtime.invoke('echo', Buffer.alloc(1024 * 1024 + 1), { type: 'Event' })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(runtime.invoke('echo', 'x', { clientContext: 'not base64!' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' });
  });

  it('throttles at once when the queue is full, and runs what it accepted', async () => {
    // One worker busy, 1,000 waiting: the next caller is refused at once.
    const accepted = Array.from({ length: 1001 }, () => runtime.invoke('throttled', 'x'));
    const started = Date.now();
    await expect(runtime.invoke('throttled', 'x')).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(Date.now() - started).toBeLessThan(500);
    // The first accepted one ran (and timed out: the function hangs).
    const first = await accepted[0]!;
    expect(first.functionError).toBe('Unhandled');
    expect(JSON.parse(first.payload.toString()).errorType).toBe('Sandbox.Timedout');
  });

  it('returns the log tail with START/END/REPORT lines', async () => {
    const result = await runtime.invoke('invokee', 'tail', { logType: 'Tail' });
    const tail = Buffer.from(result.logResult!, 'base64').toString();
    expect(tail).toMatch(/^START RequestId: [0-9a-f-]{36} Version: 1\n/);
    expect(tail).toMatch(/END RequestId: /);
    expect(tail).toMatch(/REPORT RequestId: .*Duration: [0-9.]+ ms/);
  });
});

describe('events, publish and function-to-function calls', () => {
  it('accepts an Event with 202 and runs it', async () => {
    const before = Number((await runtime.invoke('counter', '')).payload.toString());
    const result = await runtime.invoke('counter', '', { type: 'Event' });
    expect(result.statusCode).toBe(202);
    await expectCounterToSeeOneMore(before);
  });

  it('routes gg_publish through the subscriptions to the target function', async () => {
    const seen = new Promise<PublishEvent>((resolve) => runtime.messages.once('publish', resolve));
    const before = Number((await runtime.invoke('counter', '')).payload.toString());
    const result = await runtime.invoke('publisher', 'hello bus');
    expect(result.functionError).toBeUndefined();
    const event = await seen;
    expect(event.topic).toBe('demo/events');
    expect(event.payload.toString()).toBe('hello bus');
    expect(event.targets).toEqual([`${ARN_PREFIX}counter:1`]);
    await expectCounterToSeeOneMore(before);
  });

  it('lets one function invoke another with gg_invoke', async () => {
    const result = await runtime.invoke('invoker', 'world');
    expect(result.functionError).toBeUndefined();
    expect(result.payload.toString()).toContain('hello world');
  });
});

describe('failures never take the runtime down', () => {
  it('turns a segfault into an Unhandled error naming the signal, then serves with a fresh worker', async () => {
    const pool = runtime.poolFor(runtime.registry.resolve('crasher').fn);
    await runtime.invoke('crasher', 'warm');
    const pidBefore = pool.workers[0]?.pid;
    const result = await runtime.invoke('crasher', 'segv');
    expect(result.functionError).toBe('Unhandled');
    const error = errorOf(result.payload);
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(/signal: segmentation fault \(SIGSEGV\)/);
    const after = await runtime.invoke('crasher', 'still alive');
    expect(after.payload.toString()).toBe('still alive');
    expect(pool.workers[0]?.pid).not.toBe(pidBefore);
  });

  it('names the exit code of a function that exits mid-invocation', async () => {
    const result = await runtime.invoke('crasher', 'exit');
    expect(result.functionError).toBe('Unhandled');
    expect(errorOf(result.payload).errorMessage).toMatch(/exit status 3/);
  });

  it('kills a hanging function at its timeout with Lambda\'s message', async () => {
    const started = Date.now();
    const result = await runtime.invoke('hanger', 'x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.functionError).toBe('Unhandled');
    const error = errorOf(result.payload);
    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    expect((await runtime.invoke('echo', 'after hang')).payload.toString()).toBe('after hang');
  });

  for (const mode of ['socket', 'frame', 'ring']) {
    it(`survives a hostile function writing garbage (${mode})`, async () => {
      const result = await runtime.invoke('hostile', mode);
      expect(result.functionError).toBe('Unhandled');
      expect((await runtime.invoke('hostile', 'fine')).payload.toString()).toBe('fine');
      expect((await runtime.invoke('echo', 'ok')).payload.toString()).toBe('ok');
    });
  }

  it('bounds what a worker flooding it with unread service calls costs', async () => {
    const rssBefore = process.memoryUsage().rss;
    const result = await runtime.invoke('hostile', 'flood');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString()).errorType).toBe('Sandbox.Timedout');
    // Unbounded buffering grew this by gigabytes in seconds.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect((await runtime.invoke('echo', 'ok')).payload.toString()).toBe('ok');
  });

  it('stops what a crashed function forked along with it', async () => {
    const child = Number((await runtime.invoke('hostile', 'fork')).payload.toString());
    expect(child).toBeGreaterThan(1);
    expect(alive(child)).toBe(true);
    const crashed = await runtime.invoke('hostile', 'socket');
    expect(crashed.functionError).toBe('Unhandled');
    await waitFor(() => !alive(child));
  });

  it('restarts a pinned worker after it is killed and keeps queued work', async () => {
    const pool = runtime.poolFor(runtime.registry.resolve('pinned').fn);
    await waitFor(async () => pool.workers.length === 1);
    const pid = pool.workers[0]!.pid!;
    process.kill(pid, 'SIGKILL');
    const result = await runtime.invoke('pinned', '');
    expect(result.functionError).toBeUndefined();
    expect(pool.workers[0]!.pid).not.toBe(pid);
  });
});

describe('executables built against a stand-in of the public stub library', () => {
  it('run on our library: the runtime puts it first on LD_LIBRARY_PATH', async () => {
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    const result = await runtime.invoke('stubbed', payload);
    expect(result.functionError).toBeUndefined();
    expect(Buffer.compare(result.payload, payload)).toBe(0);
    expect(fs.readFileSync(runtime.logPathOf('stubbed'), 'utf8')).not.toContain('nanolambda test stub');
  });
});

describe('logs', () => {
  it('writes gg_log and stdout/stderr of a function to its log file', async () => {
    await runtime.invoke('invokee', 'log me');
    const file = runtime.logPathOf('invokee');
    expect(file).toBe(path.join(dir, 'logs', 'user', 'us-east-1', '123456789012', 'invokee.log'));
    // stdout and stderr reach the log through two pipes: wait for both lines.
    await waitFor(async () => /log me[^]*answered 12 bytes|answered 12 bytes[^]*log me/.test(fs.readFileSync(file, 'utf8')));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/\[\d{4}-\d\d-\d\dT[\d:.]+Z\]\[INFO\]-invokee: greeting log me/);
    expect(text).toMatch(/invokee: answered 12 bytes/);
  });
});

/**
 * Our echo example linked against csdk/test/stub (same SONAME and version
 * nodes as the public stub, every call a no-op) with a RUNPATH to it, the
 * way executables built against the public SDK are linked.
 */
function buildAgainstStub(dir: string): string {
  const stubDir = path.join(dir, 'stub');
  fs.mkdirSync(stubDir, { recursive: true });
  const include = path.join(repoRoot, 'csdk', 'include');
  execFileSync('cc', [
    '-shared', '-fPIC', `-I${include}`, '-Wl,-soname,libaws-greengrass-core-sdk-c.so',
    `-Wl,--version-script=${path.join(repoRoot, 'csdk', 'version', 'greengrasssdk.map')}`,
    path.join(repoRoot, 'csdk', 'test', 'stub', 'stub.c'), '-o', path.join(stubDir, 'libaws-greengrass-core-sdk-c.so'),
  ]);
  const out = path.join(dir, 'stubbed-echo');
  execFileSync('cc', [
    `-I${include}`, path.join(repoRoot, 'csdk', 'examples', 'echo.c'), `-L${stubDir}`, '-laws-greengrass-core-sdk-c',
    '-Wl,--enable-new-dtags', `-Wl,-rpath,${stubDir}`, '-o', out,
  ]);
  return out;
}

/**
 * counter (one worker) counts its invocations. After `before`, each poll adds
 * one; the value runs one ahead of the polls only if another invocation (the
 * Event or the routed message) ran in between.
 */
async function expectCounterToSeeOneMore(before: number): Promise<void> {
  let polls = 0;
  await waitFor(async () => {
    polls++;
    return Number((await runtime.invoke('counter', '')).payload.toString()) === before + polls + 1;
  });
}

/** Whether a process exists (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a launcher that cannot be started', () => {
  it('fails the invocation with Runtime.StartError naming the launcher, not the function', async () => {
    const fakeSdk = tempDir('fake-sdk');
    fs.mkdirSync(path.join(fakeSdk, 'bin'));
    fs.writeFileSync(path.join(fakeSdk, 'bin', 'nanolambda-launcher'), '', { mode: 0o644 });
    // Its own state directory: the running runtime holds the group's.
    const group = { ...runtime.group, stateDir: path.join(fakeSdk, 'state') };
    const broken = await Runtime.start({ group, http: false, sdkDir: fakeSdk });
    try {
      const result = await broken.invoke('echo', 'x');
      expect(result.functionError).toBe('Unhandled');
      const error = errorOf(result.payload);
      expect(error.errorType).toBe('Runtime.StartError');
      expect(error.errorMessage).toContain(path.join(fakeSdk, 'bin', 'nanolambda-launcher'));
    } finally {
      await broken.stop();
    }
  });
});
