// The runtime's cgroups: one parent per state directory and hierarchy,
// <own cgroup>/nanolambda-<state key>, and one group per worker below it,
// limited to its function's MemorySize and MaxProcesses, weighted by its
// CpuWeight and, in a container, allowed only its devices. The launcher
// joins the worker's groups before exec, so everything the function does
// and forks is charged and limited, and can be found and killed later.
//
// A runtime that died (SIGKILL, power) leaves its parent behind, perhaps
// with processes the function forked. Only one runtime can hold a state
// directory (control-socket.ts), so whatever is in our parent when we start
// is stale: it is killed and removed. Stop removes everything.
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupDriver } from './cgroup-driver';
import type { Controller, Hierarchy } from './cgroup-hierarchy';

/**
 * CPU weight of all functions together against the runtime itself (100):
 * functions spinning forever leave the runtime's event loop two thirds of a
 * contended core.
 */
const FUNCTIONS_CPU_WEIGHT = 50;
/** How long removing a group waits for its processes to be gone. */
const REMOVE_TIMEOUT_MS = 2000;
const REMOVE_RETRY_MS = 10;

export interface WorkerLimits {
  /** Memory with swap, in bytes; undefined for none. */
  memoryBytes: number | undefined;
  /** Processes and threads at most. */
  maxProcesses: number;
  /** Share of contended CPU against the other workers (100 is the default). */
  cpuWeight: number;
  /** The only devices it may use (devices.allow rules); undefined for no restriction. */
  devices: readonly string[] | undefined;
}

/** One worker's groups: one per hierarchy (v2 has one for all controllers, v1 one per controller). */
export class WorkerCgroup {
  constructor(
    /** The memory group, when the machine has a memory controller. */
    private readonly memory: { driver: CgroupDriver; dir: string } | undefined,
    readonly dirs: readonly string[],
    /** The memory limit, if the function has one. */
    readonly limitBytes: number | undefined,
  ) {}

  /** The cgroup.procs files the launcher writes its pid to, ':'-separated. */
  get procsFiles(): string {
    return this.dirs.map((dir) => path.join(dir, 'cgroup.procs')).join(':');
  }

  /** Whether the kernel killed a process of the group for lack of memory. */
  oomKilled(): boolean {
    return this.memory !== undefined && this.memory.driver.oomKills(this.memory.dir) > 0;
  }

  /** Peak memory of the group in KB (readable after its processes died, until removal). */
  peakKb(): number | undefined {
    const bytes = this.memory?.driver.peakBytes(this.memory.dir);
    return bytes === undefined ? undefined : Math.ceil(bytes / 1024);
  }

  /** Kill what is left in it and remove it. */
  async remove(): Promise<void> {
    for (const dir of this.dirs) await removeGroup(dir);
  }
}

/** A runtime's parent group in one hierarchy, and the controllers it serves there. */
interface Root {
  driver: CgroupDriver;
  dir: string;
  controllers: Controller[];
}

export class RuntimeCgroups {
  private next = 0;

  private constructor(private readonly roots: readonly Root[]) {}

  /**
   * Create (or clean up and reuse) the runtime's parent groups: one per
   * hierarchy the controllers live in.
   */
  static async open(hierarchies: readonly Hierarchy[], stateKey: string): Promise<RuntimeCgroups> {
    const roots: Root[] = [];
    for (const h of hierarchies) {
      const dir = path.join(h.dir, `nanolambda-${stateKey}`);
      const shared = roots.find((root) => root.dir === dir);
      if (shared) shared.controllers.push(h.controller);
      else roots.push({ driver: h.driver, dir, controllers: [h.controller] });
    }
    for (const root of roots) {
      for (const controller of root.controllers) root.driver.delegate(path.dirname(root.dir), controller);
      if (fs.existsSync(root.dir)) await removeGroup(root.dir);
      fs.mkdirSync(root.dir);
      for (const controller of root.controllers) root.driver.prepareParent(root.dir, controller);
      if (root.controllers.includes('cpu')) root.driver.weighCpu(root.dir, FUNCTIONS_CPU_WEIGHT);
    }
    return new RuntimeCgroups(roots);
  }

  /** The controllers and their cgroup versions, e.g. "memory v1, pids v1". */
  describe(): string {
    return this.roots.flatMap((root) => root.controllers.map((c) => `${c} v${root.driver.version}`)).join(', ');
  }

  /** New groups for one worker of a function, with its limits. */
  worker(functionName: string, limits: WorkerLimits): WorkerCgroup {
    const name = `${functionName}-${++this.next}`;
    const dirs: string[] = [];
    let memory: { driver: CgroupDriver; dir: string } | undefined;
    try {
      for (const root of this.roots) {
        const dir = path.join(root.dir, name);
        fs.mkdirSync(dir);
        dirs.push(dir);
        if (root.controllers.includes('memory')) {
          memory = { driver: root.driver, dir };
          if (limits.memoryBytes !== undefined) root.driver.limitMemory(dir, limits.memoryBytes);
        }
        if (root.controllers.includes('pids')) root.driver.limitPids(dir, limits.maxProcesses);
        if (root.controllers.includes('cpu')) root.driver.weighCpu(dir, limits.cpuWeight);
        if (root.controllers.includes('devices') && limits.devices !== undefined) root.driver.allowDevices(dir, limits.devices);
      }
    } catch (error) {
      for (const dir of dirs) fs.rmdirSync(dir);
      throw error;
    }
    return new WorkerCgroup(memory, dirs, limits.memoryBytes);
  }

  /** Kill what is left and remove every group. */
  async close(): Promise<void> {
    for (const root of this.roots) await removeGroup(root.dir);
  }
}

/**
 * Remove a group and its children, deepest first. A group with processes
 * cannot be removed: they are killed, and removal retried until they are
 * gone (a process dies asynchronously) or REMOVE_TIMEOUT_MS passed.
 */
async function removeGroup(dir: string): Promise<void> {
  let children: fs.Dirent[] = [];
  try {
    children = fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  } catch {
    return; // gone already
  }
  for (const child of children) await removeGroup(path.join(dir, child.name));
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  for (;;) {
    killMembers(dir);
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new Error(`cannot remove the cgroup ${dir}: ${(error as Error).message}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, REMOVE_RETRY_MS));
  }
}

function killMembers(dir: string): void {
  let pids: string[];
  try {
    pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
