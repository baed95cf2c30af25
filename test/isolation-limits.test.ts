// Limits through cgroups, on the machine's real hierarchies: a function past
// its memory limit is killed and reported as out of memory with Max Memory
// Used near the limit; a fork bomb stops at MaxProcesses; the neighbours keep
// answering; no cgroup is left behind after stop or after a SIGKILL of the
// runtime and a restart.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHierarchy, type Controller, type Hierarchy } from '../src/isolation/cgroup-hierarchy';
import { Runtime } from '../src/runtime';
import { stateDirKey } from '../src/system/state-key';
import { ensureBuilt, startCli } from './helpers/cli';
import { buildExecutable, ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { signedPost } from './helpers/signed-fetch';
import { waitFor } from './helpers/wait';

/** The machine's hierarchy of a controller, or why the tests that need it skip (printed either way). */
function realHierarchy(controller: Controller, tests: string): { hierarchy: Hierarchy | undefined; skip: string | undefined } {
  const found = findHierarchy(controller);
  if ('missing' in found) {
    const skip = `no usable ${controller} cgroup here: ${found.missing}`;
    console.log(`skipping ${tests}: ${skip}`);
    return { hierarchy: undefined, skip };
  }
  console.log(`${tests} on the real cgroup v${found.driver.version} ${controller} hierarchy at ${found.dir}`);
  return { hierarchy: found, skip: undefined };
}

const memory = realHierarchy('memory', 'the memory limit tests');
const pids = realHierarchy('pids', 'the fork bomb test');
const cpu = realHierarchy('cpu', 'the CPU weight test');

/** The runtime's parent group for a state directory in a hierarchy. */
function runtimeGroup(stateDir: string, hierarchy = memory.hierarchy!): string {
  return path.join(hierarchy.dir, `nanolambda-${stateDirKey(stateDir)}`);
}

function subgroups(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
}

function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(memory.skip !== undefined)('memory limits', () => {
  let runtime: Runtime;
  let dir: string;

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('memory-limits');
    const group = writeGroup(dir, [
      { name: 'allocator', executable: path.join(examplesDir, 'allocator'), maxInstances: 1 },
      { name: 'echo', executable: path.join(examplesDir, 'echo') },
      { name: 'pinned', executable: path.join(examplesDir, 'allocator'), pinned: true },
    ]);
    // MemorySize in KB, as Greengrass has it: 16 MB for both allocators.
    const json = JSON.parse(fs.readFileSync(group, 'utf8'));
    json.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.MemorySize = 16384;
    json.FunctionDefinitionVersion.Functions[2].FunctionConfiguration.MemorySize = 16384;
    fs.writeFileSync(group, JSON.stringify(json));
    runtime = await Runtime.start({ group, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('kills a function past its limit, says it ran out of memory, and the neighbour keeps answering', async () => {
    expect((await runtime.invoke('allocator', '4')).payload.toString()).toBe('4');
    const killed = await runtime.invoke('allocator', '64');
    expect(killed.functionError).toBe('Unhandled');
    const error = JSON.parse(killed.payload.toString());
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(/signal: killed \(SIGKILL\): Runtime\.OutOfMemory: .*memory limit of 16 MB/);
    expect((await runtime.invoke('echo', 'still here')).payload.toString()).toBe('still here');
    // A fresh worker for the next one.
    expect((await runtime.invoke('allocator', '4')).payload.toString()).toBe('4');

    const log = runtime.logPathOf('allocator');
    const report = () => fs.readFileSync(log, 'utf8').split('\n').find((l) => l.startsWith(`REPORT RequestId: ${killed.requestId}`));
    await waitFor(() => report() !== undefined, 10_000, 'the REPORT line of the killed invocation');
    const m = /Memory Size: (\d+) MB\tMax Memory Used: (\d+) MB.*\tStatus: error\tError Type: Runtime\.OutOfMemory$/.exec(report()!);
    expect(m, report()).not.toBeNull();
    expect(Number(m![1])).toBe(16);
    expect(Number(m![2])).toBeGreaterThanOrEqual(14);
    expect(Number(m![2])).toBeLessThanOrEqual(17);
  });

  it('a pinned function killed for memory fails that invocation only; the ones queued behind it run on its new worker', async () => {
    const results = await Promise.all(['3', '64', '5', '6'].map((mb) => runtime.invoke('pinned', mb)));
    expect(results.map((r) => r.functionError)).toEqual([undefined, 'Unhandled', undefined, undefined]);
    expect(JSON.parse(results[1]!.payload.toString()).errorMessage).toMatch(/Runtime\.OutOfMemory/);
    expect(results.filter((r) => !r.functionError).map((r) => r.payload.toString())).toEqual(['3', '5', '6']);
  });

  it('gives every worker its own group under the runtime\'s, and removes them all on stop', async () => {
    const other = tempDir('memory-stop');
    const group = writeGroup(other, [{ name: 'echo', executable: path.join(examplesDir, 'echo'), maxInstances: 2 }]);
    const second = await Runtime.start({ group, http: false });
    const parent = runtimeGroup(path.join(other, 'state'));
    await Promise.all([second.invoke('echo', 'a'), second.invoke('echo', 'b')]);
    const pool = second.poolFor(second.registry.resolve('echo').fn);
    expect(subgroups(parent).length).toBe(pool.workers.length);
    for (const worker of pool.workers) {
      const procs = fs.readFileSync(path.join(parent, subgroups(parent).find((g) => fs.readFileSync(path.join(parent, g, 'cgroup.procs'), 'utf8').includes(String(worker.pid)))!, 'cgroup.procs'), 'utf8');
      expect(procs).toContain(String(worker.pid));
    }
    await second.stop();
    expect(fs.existsSync(parent)).toBe(false);
  });
});

describe.skipIf(pids.skip !== undefined)('a fork bomb', () => {
  it('stops at MaxProcesses; the neighbour keeps answering, and stop kills the lot', async () => {
    ensureSdk();
    const dir = tempDir('forkbomb');
    const bomb = buildExecutable(path.join(__dirname, 'fixtures', 'forkbomb.c'), dir);
    const group = writeGroup(dir, [
      { name: 'bomb', executable: bomb, settings: { MaxProcesses: 32 } },
      { name: 'echo', executable: path.join(examplesDir, 'echo') },
    ]);
    const runtime = await Runtime.start({ group, http: false });
    try {
      const answer = (await runtime.invoke('bomb', '')).payload.toString();
      const m = /^forked (\d+): (.*)$/.exec(answer);
      expect(m, answer).not.toBeNull();
      // The worker itself (and its threads) count against the 32.
      expect(Number(m![1])).toBeLessThan(32);
      expect(m![2]).toBe('Resource temporarily unavailable');
      expect((await runtime.invoke('echo', 'unbothered')).payload.toString()).toBe('unbothered');
    } finally {
      await runtime.stop();
    }
    expect(fs.existsSync(runtimeGroup(path.join(dir, 'state'), pids.hierarchy))).toBe(false);
  });
});

describe.skipIf(cpu.skip !== undefined)('a function spinning on the CPU', () => {
  it('runs in a group weighted by CpuWeight, under a parent weighted below the runtime; its neighbour keeps answering', async () => {
    const hierarchy = cpu.hierarchy!;
    ensureSdk();
    const dir = tempDir('cpu-weight');
    const probe = buildExecutable(path.join(__dirname, 'fixtures', 'probe.c'), dir);
    const group = writeGroup(dir, [
      { name: 'spinner', executable: probe, timeout: 10, settings: { CpuWeight: 10 } },
      { name: 'echo', executable: path.join(examplesDir, 'echo') },
    ]);
    const runtime = await Runtime.start({ group, http: false });
    try {
      const spinning = runtime.invoke('spinner', 'busy spin=1500');
      const spinnerPool = runtime.poolFor(runtime.registry.resolve('spinner').fn);
      await waitFor(() => spinnerPool.workers[0]?.state === 'ready', 5000, 'the spinner to start');
      const parent = runtimeGroup(path.join(dir, 'state'), hierarchy);
      const [weights, shares] = hierarchy.driver.version === 2 ? ['cpu.weight', (w: number) => String(w)] : ['cpu.shares', (w: number) => String(Math.round((w * 1024) / 100))];
      expect(fs.readFileSync(path.join(parent, weights), 'utf8').trim()).toBe(shares(50));
      const spinnerGroup = subgroups(parent).find((g) => g.startsWith('spinner-'))!;
      expect(fs.readFileSync(path.join(parent, spinnerGroup, weights), 'utf8').trim()).toBe(shares(10));
      expect(fs.readFileSync(path.join(parent, spinnerGroup, 'cgroup.procs'), 'utf8')).toContain(String(spinnerPool.workers[0]!.pid));
      for (let i = 0; i < 20; i++) expect((await runtime.invoke('echo', `n${i}`)).payload.toString()).toBe(`n${i}`);
      expect((await spinning).functionError).toBeUndefined();
    } finally {
      await runtime.stop();
    }
  });
});

describe.skipIf(memory.skip !== undefined)('after a SIGKILL of the runtime', () => {
  it('the next start on its state directory kills what the function forked and removes the stale groups', async () => {
    ensureSdk();
    ensureBuilt();
    const dir = tempDir('memory-sigkill');
    const forker = buildExecutable(path.join(__dirname, 'fixtures', 'forker.c'), dir);
    const group = writeGroup(dir, [{ name: 'forker', executable: forker }], [], { Http: { Port: 0 } });
    const first = await startCli([group], dir);
    const parent = runtimeGroup(path.join(dir, 'state'));
    const response = await signedPost(`${first.endpoint}/2015-03-31/functions/forker/invocations`, path.join(dir, 'state'), '');
    const escaped = Number(await response.text());
    expect(alive(escaped)).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    // The worker died with its runtime; the child it forked into its own session did not.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(escaped)).toBe(true);
    expect(subgroups(parent).length).toBe(1);

    const second = await startCli([group], dir);
    try {
      expect(alive(escaped)).toBe(false);
      expect(subgroups(parent)).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    expect(fs.existsSync(parent)).toBe(false);
  });
});
