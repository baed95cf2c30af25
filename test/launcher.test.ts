// nanolambda-launcher: its CMake build, descriptor checks and exit statuses
// (125 launcher failure or misuse, 126 cannot execute, 127 not found).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeBinding } from '../src/native/binding';
import { launcherSources, repoRoot, tmpDir } from './helpers/wire-cc';
import { waitFor } from './helpers/wait';

let launcher: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(repoRoot, 'build', 'Release', 'nanolambda.node'))) {
    execFileSync('npm', ['run', 'build:addon'], { cwd: repoRoot, stdio: 'pipe' });
  }
  // Through its own CMakeLists, as the SDK build pulls it in.
  const buildDir = path.join(tmpDir, 'launcher-build');
  const prefix = path.join(tmpDir, 'launcher-install');
  execFileSync('cmake', ['-S', path.join(repoRoot, 'native', 'launcher'), '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', buildDir], { stdio: 'pipe' });
  execFileSync('cmake', ['--install', buildDir, '--prefix', prefix], { stdio: 'pipe' });
  launcher = path.join(prefix, 'bin', 'nanolambda-launcher');
}, 120_000);

/** Runs the launcher with a real channel's memfd and socket on fds 3 and 4
 * (and, when given, more inherited descriptors after them). */
function runWithChannel(args: string[], extraFds: Array<number | 'ignore'> = [], program = launcher, env: NodeJS.ProcessEnv = {}) {
  const binding = nativeBinding();
  const { handle, shmFd, hostFd, workerFd } = binding.channelOpen(64 * 1024);
  try {
    return spawnSync(program, args, {
      stdio: ['ignore', 'pipe', 'pipe', shmFd, workerFd, ...extraFds],
      env: { PATH: '/usr/bin:/bin', NANOLAMBDA_SHM_FD: '3', NANOLAMBDA_SOCK_FD: '4', ...env },
      encoding: 'utf8',
    });
  } finally {
    for (const fd of [shmFd, hostFd, workerFd]) binding.closeFd(fd);
    binding.channelClose(handle);
  }
}

describe('nanolambda-launcher', () => {
  it('prints a usage line and exits 125 without an executable', () => {
    const run = spawnSync(launcher, [], { encoding: 'utf8' });
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('usage: nanolambda-launcher <executable> [args...]');
  });

  it('exits 125 when fd 3 or fd 4 is missing or of the wrong kind', () => {
    const missing = spawnSync(launcher, ['/bin/true'], { encoding: 'utf8' });
    expect(missing.status).toBe(125);
    expect(missing.stderr).toContain('fd 3 (NANOLAMBDA_SHM_FD) is not open');
    const file = path.join(tmpDir, 'not-a-socket');
    fs.writeFileSync(file, 'x');
    const fd = fs.openSync(file, 'r');
    try {
      const swapped = spawnSync(launcher, ['/bin/true'], { stdio: ['ignore', 'pipe', 'pipe', fd, fd], encoding: 'utf8' });
      expect(swapped.status).toBe(125);
      expect(swapped.stderr).toContain('fd 4 (NANOLAMBDA_SOCK_FD) is not a socket');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('execs the executable in place with its arguments and environment', () => {
    const run = runWithChannel(['/bin/sh', '-c', 'echo "$0|$1|$NANOLAMBDA_SHM_FD"; test -S /dev/fd/4 || exit 9', 'zero', 'one']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('zero|one|3\n');
  });

  it('closes every inherited descriptor above 4 before exec (close_range and the fallback loop)', () => {
    // A fallback build: as on kernels or C libraries without close_range.
    const fallback = path.join(tmpDir, 'nanolambda-launcher-no-close-range');
    execFileSync('gcc', ['-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wconversion', '-DNLL_NO_CLOSE_RANGE', '-o', fallback,
      ...launcherSources()], { stdio: 'pipe' });
    const file = path.join(tmpDir, 'leaked-fd');
    fs.writeFileSync(file, 'x');
    const leaked = fs.openSync(file, 'r');
    try {
      const script = 'for f in 0 1 2 3 4 5 6 7 8 9 10 11 12; do if [ -e /dev/fd/$f ]; then printf "%s " $f; fi; done';
      // Without the launcher the shell does see fd 7 and fd 12.
      const direct = spawnSync('/bin/sh', ['-c', script], {
        stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', leaked, 'ignore', 'ignore', 'ignore', 'ignore', leaked],
        encoding: 'utf8',
      });
      expect(direct.stdout).toBe('0 1 2 7 12 ');
      for (const program of [launcher, fallback]) {
        const run = runWithChannel(['/bin/sh', '-c', script], ['ignore', 'ignore', leaked, 'ignore', 'ignore', 'ignore', 'ignore', leaked], program);
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(run.stdout).toBe('0 1 2 3 4 '); // 0 is /dev/null (stdin 'ignore')
      }
    } finally {
      fs.closeSync(leaked);
    }
  });

  it('exits 127 for a missing executable and 126 for one it cannot run', () => {
    const missing = runWithChannel([path.join(tmpDir, 'no-such-function')]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toBe(`nanolambda-launcher: cannot execute '${path.join(tmpDir, 'no-such-function')}': No such file or directory\n`);
    const notExecutable = path.join(tmpDir, 'not-executable');
    fs.writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    const denied = runWithChannel([notExecutable]);
    expect(denied.status).toBe(126);
    expect(denied.stderr).toContain(`cannot execute '${notExecutable}': Permission denied`);
  });
});

describe('nanolambda-launcher confinement', () => {
  it('sets the rlimits it is given and removes its variables before exec', () => {
    const run = runWithChannel(['/bin/sh', '-c', 'ulimit -n; ulimit -c; env | grep ^NANOLAMBDA_ | sort'], [], launcher, {
      NANOLAMBDA_RLIMITS: 'nofile=64,core=0',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('64\n0\nNANOLAMBDA_SHM_FD=3\nNANOLAMBDA_SOCK_FD=4\n');
  });

  it('refuses malformed settings with the variable and the value', () => {
    const run = runWithChannel(['/bin/true'], [], launcher, { NANOLAMBDA_RLIMITS: 'files=10' });
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('NANOLAMBDA_RLIMITS: unknown limit at "files=10"');
    const runAs = runWithChannel(['/bin/true'], [], launcher, { NANOLAMBDA_RUN_AS: '1000' });
    expect(runAs.status).toBe(125);
    expect(runAs.stderr).toContain('NANOLAMBDA_RUN_AS: expected <uid>:<gid>[:<gid>,...], found "1000"');
  });

  it.skipIf(process.getuid?.() !== 0)('runs the executable as the run-as identity (needs root)', () => {
    const run = runWithChannel(['/bin/sh', '-c', 'id -u; id -g; id -G'], [], launcher, { NANOLAMBDA_RUN_AS: '4321:5432:20,44' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('4321\n5432\n5432 20 44\n');
  });
});

const containerSkip =
  process.getuid?.() !== 0 ? 'containers need root' : spawnSync(path.join(repoRoot, 'sdk', 'bin', 'nanolambda-launcher'), ['--probe-container'], { encoding: 'utf8' }).stderr || undefined;
if (containerSkip) console.log(`skipping the launcher's container tests: ${containerSkip}`);

describe.skipIf(containerSkip !== undefined)("nanolambda-launcher's containers", () => {
  let root: string;
  const container = (): NodeJS.ProcessEnv => ({ NANOLAMBDA_CONTAINER_ROOT: root, NANOLAMBDA_CONTAINER_TMP_BYTES: '1048576' });

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(tmpDir, 'container-root-'));
  });

  it('ends the way the function ended: its exit code, or its signal', () => {
    expect(runWithChannel(['/bin/sh', '-c', 'exit 3'], [], launcher, container()).status).toBe(3);
    const killed = runWithChannel(['/bin/sh', '-c', 'kill -9 $$'], [], launcher, container());
    expect(killed.signal).toBe('SIGKILL');
    expect(runWithChannel(['/no/such/function'], [], launcher, container()).status).toBe(127);
  });

  it('runs the function as pid 2 under its own init, in a new uts and ipc namespace', () => {
    const run = runWithChannel(['/bin/sh', '-c', 'echo $$; readlink /proc/self/ns/uts /proc/self/ns/ipc'], [], launcher, container());
    expect(run.stderr).toBe('');
    const [pid, uts, ipc] = run.stdout.trim().split('\n');
    expect(pid).toBe('2');
    expect(uts).not.toBe(fs.readlinkSync('/proc/self/ns/uts'));
    expect(ipc).not.toBe(fs.readlinkSync('/proc/self/ns/ipc'));
  });

  it('forwards SIGTERM from the host to the function once, and the relay exits as the function did', async () => {
    const binding = nativeBinding();
    const { handle, shmFd, hostFd, workerFd } = binding.channelOpen(64 * 1024);
    const child = spawn(launcher, ['/bin/sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'], {
      stdio: ['ignore', 'pipe', 'pipe', shmFd, workerFd],
      env: { PATH: '/usr/bin:/bin', NANOLAMBDA_SHM_FD: '3', NANOLAMBDA_SOCK_FD: '4', ...container() },
      detached: true,
    });
    for (const fd of [shmFd, workerFd]) binding.closeFd(fd);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('ready'), 5000, 'the function to start');
    // As the runtime stops a worker: the whole process group of the relay.
    process.kill(-child.pid!, 'SIGTERM');
    expect(await ended).toBe(7);
    expect(out).toBe('ready\ngot TERM\n');
    binding.closeFd(hostFd);
    binding.channelClose(handle);
  });

  it('says which mount of the plan failed, and the function never starts', () => {
    const run = runWithChannel(['/bin/true'], [], launcher, {
      ...container(),
      NANOLAMBDA_CONTAINER_MOUNTS: 'bind\tro\t/no/such/source\t/data',
    });
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('cannot mount /no/such/source at /data: it does not exist, or a symlink is on its path');
  });

  it('never follows a symlink inside the container: one planted in a volume cannot make it mount or create on the host', () => {
    const base = fs.mkdtempSync(path.join(tmpDir, 'planted-'));
    const volume = path.join(base, 'volume');
    const victim = path.join(base, 'victim');
    fs.mkdirSync(volume);
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(base, 'config'), 'x');
    // What a function with this read-write volume could have done on an earlier run.
    fs.symlinkSync(victim, path.join(volume, 'sub'));
    const run = runWithChannel(['/bin/true'], [], launcher, {
      ...container(),
      NANOLAMBDA_CONTAINER_MOUNTS: `bind\trw\t${volume}\t/data\nbind\tro\t${path.join(base, 'config')}\t/data/sub/config`,
    });
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('cannot use /data/sub/config in the container: "sub" on the way is a symlink or not a directory');
    expect(fs.readdirSync(victim)).toEqual([]);
  });

  it('hides a path by its real name; a path reached through a symlink is left to that', () => {
    // Not under /tmp, which a container has its own of (and where a CI clone may live).
    const base = fs.mkdtempSync('/var/tmp/nanolambda-hidden-');
    fs.mkdirSync(path.join(base, 'real'));
    fs.writeFileSync(path.join(base, 'real', 'secret'), 'state');
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
    const show = (hidden: string[]) =>
      runWithChannel(['/bin/sh', '-c', `cat ${path.join(base, 'link', 'secret')} 2>&1`], [], launcher, {
        ...container(),
        NANOLAMBDA_CONTAINER_MOUNTS: hidden.map((h) => `hide\t${h}`).join('\n'),
      }).stdout;
    try {
      expect(show([path.join(base, 'link')])).toBe('state');
      expect(show([path.join(base, 'link'), path.join(base, 'real')])).toMatch(/Permission denied|No such file/);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('does not lose a SIGTERM that arrives while the container is being built', async () => {
    const binding = nativeBinding();
    const { handle, shmFd, hostFd, workerFd } = binding.channelOpen(64 * 1024);
    const volume = fs.mkdtempSync(path.join(tmpDir, 'many-'));
    // Enough mounts to keep init busy for a while before it has its handlers.
    const plan = Array.from({ length: 1500 }, (_, i) => `bind\tro\t${volume}\t/m/${i}`).join('\n');
    const child = spawn(launcher, ['/bin/sleep', '5'], {
      stdio: ['ignore', 'ignore', 'pipe', shmFd, workerFd],
      env: { PATH: '/usr/bin:/bin', NANOLAMBDA_SHM_FD: '3', NANOLAMBDA_SOCK_FD: '4', ...container(), NANOLAMBDA_CONTAINER_MOUNTS: plan },
      detached: true,
    });
    for (const fd of [shmFd, workerFd]) binding.closeFd(fd);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    process.kill(-child.pid!, 'SIGTERM');
    // Lost, the sleep would run its 5 s and exit 0 with no signal.
    expect(await ended).toBe('SIGTERM');
    binding.closeFd(hostFd);
    binding.channelClose(handle);
  });
});
