// Test helper: Debian bookworm's arm64 nodejs, with everything it loads,
// unpacked into a root directory that qemu-user runs it from (`-L <root>`),
// never installed. Fetched once per machine with a private apt configuration
// (its own sources, lists and caches; dpkg's status is /dev/null), so the
// host's apt and dpkg state are left exactly as they were, and kept in
// CACHE_DIR/debian-arm64-node-<version>. The unpacked root only gets its
// final name once qemu ran the node in it, so a crashed or concurrent fetch
// never leaves a half root where the next run would look.
//
// Only not reaching Debian (apt-get update or download failing) makes the
// node unavailable, a reason to skip. Everything after a download succeeded
// (unpacking, the node not running under qemu or not being arm64, a file
// missing from a cached root) is a broken helper or cache: it throws, and
// the test fails.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { QEMU_AARCH64 } from './binfmt';

const execFileAsync = promisify(execFile);

/** Outside the repository: CI machines keep it between runs of the suite. */
export const CACHE_DIR = '/var/cache/nanolambda-test';
const PREFIX = 'debian-arm64-node-';
const WORK_PREFIX = '.fetch-';
/** A work directory this old belongs to a run that was killed (a fetch ends well within it). */
const STALE_WORK_MS = 60 * 60 * 1000;
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const SUITES = [
  'http://deb.debian.org/debian bookworm main',
  'http://deb.debian.org/debian bookworm-updates main',
  'http://deb.debian.org/debian-security bookworm-security main',
];
/** Each of apt's two network steps gives up after this (a mirror that hangs must not hang the suite). */
const NETWORK_TIMEOUT_MS = 240_000;
/** Local steps: unpacking a .deb, apt-cache, one Node start under qemu (seconds). */
const LOCAL_TIMEOUT_MS = 120_000;
/** For the hook that calls debianArm64Node: both network steps at their limit, and the local ones. */
export const FETCH_TIMEOUT_MS = 600_000;

export interface DebianArm64Node {
  /** The unpacked root: usr/bin/node, lib/ld-linux-aarch64.so.1, usr/share/nodejs, ... */
  root: string;
  /** usr/bin/node inside it. */
  node: string;
  /** The Debian version of the nodejs package (18.20.4+dfsg-1~deb12u3). */
  debianVersion: string;
}

/**
 * Why the node cannot be had here, known without the network (for a
 * describe.skipIf at collection), or undefined. A cached root needs only
 * qemu; a fetch needs root, apt, dpkg-deb and Debian's keyring.
 */
export function debianArm64NodeUnavailable(): string | undefined {
  if (!fs.existsSync(QEMU_AARCH64)) return `${QEMU_AARCH64} is missing (apt-get install qemu-user-static)`;
  if (cachedRoot() !== undefined) return undefined;
  if (process.getuid?.() !== 0) return `fetching into ${CACHE_DIR} needs root`;
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is missing (this helper needs Debian's apt and dpkg)`;
    }
  }
  if (!fs.existsSync(KEYRING)) return `${KEYRING} is missing (apt-get install debian-archive-keyring)`;
  return undefined;
}

/**
 * The root, proven to run arm64 under qemu: the cached one, or fetched now.
 * { unavailable } when Debian's mirror cannot be reached; throws when what
 * came from it is broken. Call it from a hook with FETCH_TIMEOUT_MS.
 */
export async function debianArm64Node(): Promise<DebianArm64Node | { unavailable: string }> {
  const cached = cachedRoot();
  if (cached !== undefined) {
    await proveArm64(cached.root, `the cached root ${cached.root} (remove it to fetch it again)`);
    return cached;
  }
  try {
    return await fetchRoot();
  } catch (error) {
    if (error instanceof MirrorUnreachable) return { unavailable: error.message };
    throw error;
  }
}

/** Debian's mirror, or apt's access to it, failed: the machine's limit, not a fault of the helper. */
class MirrorUnreachable extends Error {}

/** A root a previous run completed (the newest version, if there are several). */
function cachedRoot(): DebianArm64Node | undefined {
  if (!fs.existsSync(CACHE_DIR)) return undefined;
  const names = fs.readdirSync(CACHE_DIR).filter((name) => name.startsWith(PREFIX)).sort();
  const name = names[names.length - 1];
  if (name === undefined) return undefined;
  const root = path.join(CACHE_DIR, name);
  return { root, node: path.join(root, 'usr', 'bin', 'node'), debianVersion: name.slice(PREFIX.length) };
}

/** Work directories of fetches that were killed before their cleanup ran. */
function removeStaleWork(): void {
  for (const name of fs.readdirSync(CACHE_DIR).filter((entry) => entry.startsWith(WORK_PREFIX))) {
    const dir = path.join(CACHE_DIR, name);
    // A fresh one may be a concurrent fetch that is still working.
    if (Date.now() - fs.statSync(dir).mtimeMs > STALE_WORK_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function fetchRoot(): Promise<DebianArm64Node> {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  removeStaleWork();
  const work = fs.mkdtempSync(path.join(CACHE_DIR, WORK_PREFIX));
  try {
    const started = Date.now();
    const apt = privateApt(work);
    // --error-on=any: without it a mirror out of reach is a warning, and exit code 0.
    await network('apt-get', [...apt, '--error-on=any', 'update'], `apt-get update of Debian's arm64 package lists (${SUITES.join(', ')})`, work);
    const version = candidate(await local('apt-cache', [...apt, 'policy', 'nodejs'], 'apt-cache policy nodejs', work));
    const packages = dependencyClosure(await local('apt-cache', [...apt, 'depends', ...CLOSURE_OPTIONS, 'nodejs'], 'apt-cache depends nodejs', work));
    const debs = path.join(work, 'debs');
    fs.mkdirSync(debs);
    await network('apt-get', [...apt, 'download', ...packages], `apt-get download of ${packages.join(' ')}`, debs);
    const root = path.join(work, 'root');
    fs.mkdirSync(root);
    let bytes = 0;
    for (const deb of fs.readdirSync(debs).filter((file) => file.endsWith('.deb'))) {
      bytes += fs.statSync(path.join(debs, deb)).size;
      await local('dpkg-deb', ['-x', path.join(debs, deb), root], `dpkg-deb -x ${deb} (downloaded from Debian)`, work);
    }
    await proveArm64(root, `Debian's nodejs ${version}, just unpacked in ${root}`);
    const final = path.join(CACHE_DIR, `${PREFIX}${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
    try {
      fs.renameSync(root, final);
    } catch (error) {
      // A concurrent fetch finished first: its root is as good as ours.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`fetched Debian's arm64 nodejs ${version}: ${packages.length} packages, ${(bytes / 1e6).toFixed(1)} MB of .deb, in ${seconds} s, into ${final}`);
    return { root: final, node: path.join(final, 'usr', 'bin', 'node'), debianVersion: version };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The root's node runs under qemu and says it is arm64; otherwise an error naming `what` is broken. */
async function proveArm64(root: string, what: string): Promise<void> {
  const node = path.join(root, 'usr', 'bin', 'node');
  if (!fs.existsSync(node)) throw new Error(`${what} is broken: it has no ${path.relative(root, node)}`);
  const says = (await local(QEMU_AARCH64, ['-L', root, node, '-p', 'process.arch'], `running ${node} under qemu (${what})`, root)).trim();
  if (says !== 'arm64') throw new Error(`${what} is broken: its node says its arch is ${JSON.stringify(says)}, not arm64`);
}

/** apt options that make every path apt reads or writes our own, and arm64 its only architecture. */
function privateApt(work: string): string[] {
  const dirs = ['lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d'];
  for (const dir of dirs) fs.mkdirSync(path.join(work, dir), { recursive: true });
  const sources = SUITES.map((suite) => `deb [arch=arm64 signed-by=${KEYRING}] ${suite}`).join('\n');
  fs.writeFileSync(path.join(work, 'sources.list'), `${sources}\n`);
  const options: Record<string, string> = {
    'APT::Architecture': 'arm64',
    'APT::Architectures': 'arm64',
    'Dir::Etc::SourceList': path.join(work, 'sources.list'),
    'Dir::Etc::SourceParts': path.join(work, 'sources.list.d'),
    'Dir::Etc::Preferences': '/dev/null',
    'Dir::Etc::PreferencesParts': path.join(work, 'preferences.d'),
    'Dir::State::Lists': path.join(work, 'lists'),
    'Dir::State::status': '/dev/null',
    'Dir::Cache': path.join(work, 'cache'),
    // The _apt user cannot enter our 0700 work directory; root downloads instead.
    'APT::Sandbox::User': 'root',
  };
  return Object.entries(options).flatMap(([name, value]) => ['-o', `${name}=${value}`]);
}

/** What the packages need to run: Depends and Pre-Depends, nothing merely recommended. */
const CLOSURE_OPTIONS = ['--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances'];

/** Package names from `apt-cache depends --recurse` (virtual ones, <in brackets>, are provided by real ones listed too). */
function dependencyClosure(output: string): string[] {
  const names = output
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(' ') && !line.startsWith('<'))
    .map((line) => line.trim());
  if (!names.includes('nodejs') || !names.some((name) => name.startsWith('libnode'))) {
    throw new Error(`apt-cache depends nodejs, on lists just fetched from Debian, gave no nodejs and libnode: ${output.slice(0, 500)}`);
  }
  return [...new Set(names)].sort();
}

function candidate(policy: string): string {
  const version = /^\s*Candidate:\s*(\S+)/m.exec(policy)?.[1];
  if (version === undefined || version === '(none)') throw new Error(`Debian's arm64 lists, just fetched, have no nodejs: ${policy.slice(0, 500)}`);
  return version;
}

/** A step that talks to Debian's mirror: its failure makes the node unavailable here. */
async function network(file: string, args: string[], step: string, cwd: string): Promise<string> {
  try {
    return await run(file, args, NETWORK_TIMEOUT_MS, cwd);
  } catch (error) {
    throw new MirrorUnreachable(`cannot fetch Debian's arm64 nodejs: ${step} failed: ${(error as Error).message}`);
  }
}

/** A step on this machine, after the network: its failure is a broken helper or download. */
async function local(file: string, args: string[], step: string, cwd: string): Promise<string> {
  try {
    return await run(file, args, LOCAL_TIMEOUT_MS, cwd);
  } catch (error) {
    throw new Error(`${step} failed: ${(error as Error).message}`);
  }
}

/** Run a tool; a failure's message is what the tool said last (or that it timed out). */
async function run(file: string, args: string[], timeout: number, cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { cwd, encoding: 'utf8', timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; killed?: boolean; message: string };
    if (e.killed === true) throw new Error(`timed out after ${timeout / 1000} s`);
    // apt says why on stderr (E: lines); its progress on stdout only matters when stderr is silent.
    throw new Error((e.stderr?.trim() || e.stdout?.trim() || e.message).split('\n').slice(-3).join('\n'));
  }
}
