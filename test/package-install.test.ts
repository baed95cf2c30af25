// The npm package as a gateway without a compiler gets it: `npm pack` in this
// checkout (its prepack makes the linux-x64 and linux-arm64 prebuilds), then
// `npm install <tarball>` into an empty folder in a mount namespace where
// every compiler is made unusable, then `nanolambda start` from that folder
// serving a real invocation of the built-in example group's C `echo`.
//
// better-sqlite3 is the one dependency that is not ours: on a gateway online
// it downloads its own prebuild from GitHub, which this machine cannot reach,
// so the test hands it the one this checkout built, through prebuild-install's
// documented local-prebuild variable (the README tells offline gateways the same).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prebuildsUnavailable } from './helpers/prebuilds';
import { repoRoot, tempDir } from './helpers/sdk';

/**
 * Shell run first in the namespace: every C/C++ compiler driver and make/cmake
 * becomes /bin/false, and gcc's own programs (cc1, cc1plus, collect2) vanish
 * under an empty tmpfs, so nothing can compile even by absolute path.
 */
const NO_COMPILERS = `
set -e
for tool in gcc g++ cc c++ cpp make cmake ninja clang clang++ tcc \\
    x86_64-linux-gnu-gcc x86_64-linux-gnu-g++ x86_64-linux-gnu-gcc-12 x86_64-linux-gnu-g++-12 gcc-12 g++-12 \\
    aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ aarch64-linux-gnu-gcc-12 aarch64-linux-gnu-g++-12; do
  for dir in /usr/bin /usr/local/bin /bin; do
    if [ -e "$dir/$tool" ]; then mount --bind /bin/false "$(readlink -f "$dir/$tool")"; fi
  done
done
[ -d /usr/lib/gcc ] && mount -t tmpfs none /usr/lib/gcc
[ -d /usr/libexec/gcc ] && mount -t tmpfs none /usr/libexec/gcc
`;

/** `command args…` in a private mount namespace with no working compiler. */
function withoutCompilers(command: string, args: string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${NO_COMPILERS}\nexec "$@"`, 'sh', command, ...args]];
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'masking the compilers needs root (a mount namespace)';
  if (spawnSync('unshare', ['--mount', 'true']).status !== 0) return 'unshare --mount does not work here';
  return prebuildsUnavailable();
}

const skipReason = unavailable();
if (skipReason) console.warn(`package-install tests skipped: ${skipReason}`);

let work: string;
let gateway: string;
let installed: string;
let installLog: string;
let runtime: ChildProcess | undefined;
let endpoint: string;

describe.skipIf(skipReason !== undefined)('the packed tarball on a machine without a compiler', () => {
  beforeAll(async () => {
    work = tempDir('package-install');
    // The example functions run as another user, who must reach their executables (mkdtemp made it 0700).
    fs.chmodSync(work, 0o755);
    // The real `npm pack`, scripts and all, as a release is made: prepack
    // rebuilds both architectures' prebuilds (about 40 s here; they are
    // swapped in whole) and prepare compiles dist/.
    const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--foreground-scripts'], { cwd: repoRoot, encoding: 'utf8' });
    const tarball = path.join(work, packed.trim().split('\n').pop()!.trim());
    expect(fs.existsSync(tarball), `npm pack printed ${packed}`).toBe(true);

    const sqlitePrebuilds = betterSqlitePrebuild(path.join(work, 'sqlite-prebuilds'));
    gateway = path.join(work, 'gateway');
    fs.mkdirSync(gateway);
    fs.writeFileSync(
      path.join(gateway, 'package.json'),
      JSON.stringify({ name: 'gateway', private: true, overrides: { 'better-sqlite3': sqlitePrebuilds.version } }, null, 2),
    );
    const [cmd, args] = withoutCompilers('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball]);
    const install = spawnSync(cmd, args, {
      cwd: gateway,
      encoding: 'utf8',
      env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: sqlitePrebuilds.dir },
    });
    installLog = `${install.stdout}\n${install.stderr}`;
    expect(install.status, installLog).toBe(0);
    installed = path.join(gateway, 'node_modules', 'nanolambda');

    // Its own temporary directory: the built-in group keeps its state under TMPDIR.
    const tmp = path.join(work, 'tmp');
    fs.mkdirSync(tmp);
    const [startCmd, startArgs] = withoutCompilers(process.execPath, [path.join(installed, 'dist', 'cli', 'main.js'), 'start', '--port', '0']);
    runtime = spawn(startCmd, startArgs, { cwd: gateway, env: { ...process.env, TMPDIR: tmp } });
    endpoint = await listeningEndpoint(runtime);
  }, 900_000);

  afterAll(async () => {
    if (runtime && runtime.exitCode === null) {
      const exited = new Promise((resolve) => runtime!.once('exit', resolve));
      runtime.kill('SIGTERM');
      await exited;
    }
  });

  it('no compiler could run during the install', () => {
    const [cmd, args] = withoutCompilers('sh', ['-c', 'gcc --version; echo "gcc:$?"; cc --version; echo "cc:$?"; ls /usr/lib/gcc | wc -l']);
    const probe = spawnSync(cmd, args, { encoding: 'utf8' });
    expect(probe.status).toBe(0);
    expect(probe.stdout).toContain('gcc:1');
    expect(probe.stdout).toContain('cc:1');
    expect(probe.stdout.trim().split('\n').pop()).toBe('0');
  });

  it('installs the prebuilds and compiles nothing', () => {
    expect(installLog).toContain('using the prebuilt C SDK in prebuilds/linux-x64/sdk');
    // node-gyp would have made build/, the SDK build sdk/ and build-csdk/.
    for (const made of ['build', 'sdk', 'build-csdk']) expect(fs.existsSync(path.join(installed, made)), made).toBe(false);
    for (const arch of ['x64', 'arm64']) {
      const dir = path.join(installed, 'prebuilds', `linux-${arch}`);
      expect(fs.existsSync(path.join(dir, 'nanolambda.glibc.node')), dir).toBe(true);
      for (const file of ['lib/libaws-greengrass-core-sdk-c.so', 'bin/nanolambda-launcher', 'libexec/nanolambda/examples/echo']) {
        expect(fs.existsSync(path.join(dir, 'sdk', file)), `${dir}/sdk/${file}`).toBe(true);
      }
    }
  });

  it('loads the linux-x64 prebuilt addon', () => {
    // node-gyp-build as the installed package resolves it (npm hoists it into the gateway's node_modules).
    const script = `const r = require.resolve('node-gyp-build', { paths: [process.argv[1]] }); console.log(require(r).path(process.argv[1]))`;
    const loaded = execFileSync(process.execPath, ['-e', script, installed], { encoding: 'utf8' }).trim();
    expect(loaded).toBe(path.join(installed, 'prebuilds', 'linux-x64', 'nanolambda.glibc.node'));
  });

  it('serves an invocation: the prebuilt echo returns the payload byte for byte', () => {
    const payload = Buffer.from([0, 1, 2, 0xfe, 0xff, ...Buffer.from(' from an installed package')]);
    const out = path.join(work, 'echo.out');
    const input = path.join(work, 'echo.in');
    fs.writeFileSync(input, payload);
    const [cmd, args] = withoutCompilers(process.execPath, [
      path.join(installed, 'dist', 'cli', 'main.js'), 'invoke', 'echo', `@${input}`, '--endpoint', endpoint, '--output', out,
    ]);
    const invoke = spawnSync(cmd, args, { cwd: gateway, encoding: 'utf8', env: { ...process.env, TMPDIR: path.join(work, 'tmp') } });
    expect(invoke.status, `${invoke.stdout}\n${invoke.stderr}`).toBe(0);
    expect(fs.readFileSync(out).equals(payload)).toBe(true);
  });
});

/** A prebuild-install tarball of this checkout's better-sqlite3 build, named as it looks for it. */
function betterSqlitePrebuild(dir: string): { dir: string; version: string } {
  const sqlite = path.join(repoRoot, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(sqlite, 'package.json'), 'utf8')) as { version: string };
  fs.mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-linux-${process.arch}.tar.gz`;
  execFileSync('tar', ['czf', path.join(dir, name), '-C', sqlite, 'build/Release/better_sqlite3.node']);
  return { dir, version };
}

function listeningEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`start printed no endpoint:\n${output}`)), 60_000);
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)));
  });
}
