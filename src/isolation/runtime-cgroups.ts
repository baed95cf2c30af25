// The runtime's memory cgroups: one parent per state directory,
// <own cgroup>/nanolambda-<state key>, and one group per worker below it,
// limited to its function's MemorySize. The launcher joins the worker's
// group before exec, so everything the function does and forks is charged
// and limited, and can be found and killed later.
//
// A runtime that died (SIGKILL, power) leaves its parent behind, perhaps
// with processes the function forked. Only one runtime can hold a state
// directory (control-socket.ts), so whatever is in our parent when we start
// is stale: it is killed and removed. Stop removes everything.
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupDriver } from './cgroup-driver';
import type { MemoryHierarchy } from './memory-hierarchy';

/** How long removing a group waits for its processes to be gone. */
const REMOVE_TIMEOUT_MS = 2000;
const REMOVE_RETRY_MS = 10;

export class WorkerCgroup {
  constructor(
    private readonly driver: CgroupDriver,
    readonly dir: string,
    /** The limit, if the function has one. */
    readonly limitBytes: number | undefined,
  ) {}

  /** The file the launcher writes its pid to. */
  get procsFile(): string {
    return path.join(this.dir, 'cgroup.procs');
  }

  /** Whether the kernel killed a process of the group for lack of memory. */
  oomKilled(): boolean {
    return this.driver.oomKills(this.dir) > 0;
  }

  /** Peak memory of the group in KB (readable after its processes died, until removal). */
  peakKb(): number | undefined {
    const bytes = this.driver.peakBytes(this.dir);
    return bytes === undefined ? undefined : Math.ceil(bytes / 1024);
  }

  /** Kill what is left in it and remove it. */
  remove(): Promise<void> {
    return removeGroup(this.dir);
  }
}

export class RuntimeCgroups {
  private next = 0;

  private constructor(
    private readonly driver: CgroupDriver,
    readonly dir: string,
  ) {}

  /** Create (or clean up and reuse) the parent group of a state directory's runtime. */
  static async open(hierarchy: MemoryHierarchy, stateKey: string): Promise<RuntimeCgroups> {
    const dir = path.join(hierarchy.dir, `nanolambda-${stateKey}`);
    if (fs.existsSync(dir)) await removeGroup(dir);
    fs.mkdirSync(dir);
    hierarchy.driver.prepareParent(dir);
    return new RuntimeCgroups(hierarchy.driver, dir);
  }

  get version(): 1 | 2 {
    return this.driver.version;
  }

  /** A new group for one worker of a function. */
  worker(functionName: string, limitBytes: number | undefined): WorkerCgroup {
    const dir = path.join(this.dir, `${functionName}-${++this.next}`);
    fs.mkdirSync(dir);
    try {
      if (limitBytes !== undefined) this.driver.limitMemory(dir, limitBytes);
    } catch (error) {
      fs.rmdirSync(dir);
      throw error;
    }
    return new WorkerCgroup(this.driver, dir, limitBytes);
  }

  /** Kill what is left and remove every group. */
  close(): Promise<void> {
    return removeGroup(this.dir);
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
