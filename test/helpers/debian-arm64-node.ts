// Test helper: Debian bookworm's arm64 nodejs, with everything it loads,
// unpacked into a root directory that qemu-user runs it from (`-L <root>`),
// never installed. Fetched once per machine with a private apt configuration
// (its own sources, lists and caches; dpkg's status is /dev/null), so the
// host's apt and dpkg state are left exactly as they were, and kept in
// CACHE_DIR/debian-arm64-node-<version>. The unpacked root only gets its
// final name once qemu ran the node in it, so a crashed or concurrent fetch
// never leaves a half root where the next run would look.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QEMU_AARCH64 } from './binfmt';

/** Outside the repository: CI machines keep it between runs of the suite. */
export const CACHE_DIR = '/var/cache/nanolambda-test';
const PREFIX = 'debian-arm64-node-';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const SUITES = [
  'http://deb.debian.org/debian bookworm main',
  'http://deb.debian.org/debian bookworm-updates main',
  'http://deb.debian.org/debian-security bookworm-security main',
];
/** apt's network steps give up after this (a mirror that hangs must not hang the suite). */
const NETWORK_TIMEOUT_MS = 300_000;

export interface DebianArm64Node {
  /** The unpacked root: usr/bin/node, lib/ld-linux-aarch64.so.1, usr/share/nodejs, ... */
  root: string;
  /** usr/bin/node inside it. */
  node: string;
  /** The Debian version of the nodejs package (18.20.4+dfsg-1~deb12u3). */
  debianVersion: string;
}

/** The root, fetched now unless cached; or why it cannot be had here. */
export function debianArm64Node(): DebianArm64Node | { unavailable: string } {
  const missing = missingTool();
  if (missing !== undefined) return { unavailable: missing };
  const cached = cachedRoot();
  if (cached !== undefined) return cached;
  try {
    return fetchRoot();
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
}

function missingTool(): string | undefined {
  if (process.getuid?.() !== 0) return `fetching into ${CACHE_DIR} needs root`;
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is missing (this helper needs Debian's apt and dpkg)`;
    }
  }
  if (!fs.existsSync(KEYRING)) return `${KEYRING} is missing (apt-get install debian-archive-keyring)`;
  if (!fs.existsSync(QEMU_AARCH64)) return `${QEMU_AARCH64} is missing (apt-get install qemu-user-static)`;
  return undefined;
}

/** A root a previous run completed (the newest version, if there are several). */
function cachedRoot(): DebianArm64Node | undefined {
  if (!fs.existsSync(CACHE_DIR)) return undefined;
  const names = fs.readdirSync(CACHE_DIR).filter((name) => name.startsWith(PREFIX)).sort();
  const name = names[names.length - 1];
  if (name === undefined) return undefined;
  const root = path.join(CACHE_DIR, name);
  return { root, node: path.join(root, 'usr', 'bin', 'node'), debianVersion: name.slice(PREFIX.length) };
}

function fetchRoot(): DebianArm64Node {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE_DIR, '.fetch-'));
  try {
    const started = Date.now();
    const apt = privateApt(work);
    // --error-on=any: without it a mirror out of reach is a warning, and exit code 0.
    run('apt-get', [...apt, '--error-on=any', 'update'], `apt-get update of Debian's arm64 package lists (${SUITES.join(', ')})`, work);
    const version = candidate(run('apt-cache', [...apt, 'policy', 'nodejs'], 'apt-cache policy nodejs', work));
    const packages = dependencyClosure(run('apt-cache', [...apt, 'depends', ...CLOSURE_OPTIONS, 'nodejs'], 'apt-cache depends nodejs', work));
    const debs = path.join(work, 'debs');
    fs.mkdirSync(debs);
    run('apt-get', [...apt, 'download', ...packages], `apt-get download of ${packages.join(' ')}`, debs);
    const root = path.join(work, 'root');
    fs.mkdirSync(root);
    let bytes = 0;
    for (const deb of fs.readdirSync(debs).filter((file) => file.endsWith('.deb'))) {
      bytes += fs.statSync(path.join(debs, deb)).size;
      run('dpkg-deb', ['-x', path.join(debs, deb), root], `dpkg-deb -x ${deb}`, work);
    }
    const says = run(QEMU_AARCH64, ['-L', root, path.join(root, 'usr', 'bin', 'node'), '-p', 'process.arch'], "running the unpacked node under qemu", work);
    if (says.trim() !== 'arm64') throw new Error(`the unpacked Debian nodejs ${version} says its arch is ${JSON.stringify(says.trim())}, not arm64`);
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
    throw new Error(`apt-cache depends nodejs gave no nodejs and libnode: ${output.slice(0, 500)}`);
  }
  return [...new Set(names)].sort();
}

function candidate(policy: string): string {
  const version = /^\s*Candidate:\s*(\S+)/m.exec(policy)?.[1];
  if (version === undefined || version === '(none)') throw new Error(`Debian's arm64 lists have no nodejs: ${policy.slice(0, 500)}`);
  return version;
}

/** Run a step; a failure names the step and ends with what the tool said. */
function run(file: string, args: string[], step: string, cwd: string): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: NETWORK_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    // apt says why on stderr (E: lines); its progress on stdout only matters when stderr is silent.
    const said = (e.stderr?.trim() || e.stdout?.trim() || e.message).split('\n').slice(-3).join(os.EOL);
    throw new Error(`cannot fetch Debian's arm64 nodejs: ${step} failed: ${said}`);
  }
}
