// An emulated arm64 function and the aarch64 sysroot (Debian's
// libc6-arm64-cross: the ld.so and libc a dynamic aarch64 executable needs
// under qemu-user). First hasProgramInterpreter on real executables compiled
// here, static and dynamic, aarch64 and x86_64; then `nanolambda start` with
// the sysroot hidden for real: the CLI runs in a private mount namespace
// (unshare) where an empty tmpfs covers /usr/aarch64-linux-gnu, so the host
// is never touched. A dynamic arm64 function is then refused, naming the
// missing ld.so and the package; it runs when its Environment's
// QEMU_LD_PREFIX names a copy of the sysroot's lib, and a static one runs
// without any.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasProgramInterpreter } from '../src/system/architecture';
import { AARCH64_SYSROOT, aarch64EmulationUnavailable, registerAarch64, type Aarch64Emulation } from './helpers/binfmt';
import { bin, ensureBuilt } from './helpers/cli';
import { ensurePrebuilds, prebuiltFor, prebuildsUnavailable } from './helpers/prebuilds';
import { ARN_PREFIX, repoRoot, tempDir, writeGroup, type TestFunction } from './helpers/sdk';

const LOADER = path.join(AARCH64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1');
const HANDLER_NAME = 'nanolambda-test-arm64-sysroot';

function missingTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

const noCompilers = missingTool('aarch64-linux-gnu-gcc') || missingTool('gcc')
  ? 'gcc or aarch64-linux-gnu-gcc is missing (apt-get install gcc gcc-aarch64-linux-gnu)'
  : !fs.existsSync(path.join(AARCH64_SYSROOT, 'lib', 'libc.a'))
    ? `${AARCH64_SYSROOT}/lib/libc.a is missing, so no static aarch64 executable can be linked (apt-get install libc6-dev-arm64-cross)`
    : undefined;
if (noCompilers !== undefined) console.warn(`skipping the arm64 sysroot tests: ${noCompilers}`);

const noHiding =
  noCompilers ??
  (process.getuid?.() !== 0 ? 'hiding the sysroot in a mount namespace needs root' : undefined) ??
  (missingTool('unshare') ? 'unshare is missing (util-linux)' : undefined) ??
  aarch64EmulationUnavailable() ??
  prebuildsUnavailable() ??
  (fs.existsSync(LOADER) ? undefined : `${LOADER} is missing: there is no sysroot to hide and none to copy (apt-get install libc6-arm64-cross)`);
if (noHiding !== undefined && noCompilers === undefined) console.warn(`skipping the hidden-sysroot start tests: ${noHiding}`);

const HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';

describe.skipIf(noCompilers !== undefined)('hasProgramInterpreter on real executables', () => {
  let dir: string;
  const compile = (compiler: string, name: string, flags: string[]): string => {
    const out = path.join(dir, name);
    execFileSync(compiler, [...flags, path.join(dir, 'hello.c'), '-o', out]);
    return out;
  };
  /** readelf's own answer: the reference the reading here must agree with. */
  const readelfSaysInterp = (file: string): boolean => /\bINTERP\b/.test(execFileSync('readelf', ['-lW', file]).toString());

  beforeAll(() => {
    dir = tempDir('elf-interp');
    fs.writeFileSync(path.join(dir, 'hello.c'), HELLO);
  });

  it('is true for dynamic executables (PIE or not) and false for static ones, on aarch64 and x86_64, as readelf says', () => {
    const cases: Array<[string, boolean]> = [
      [compile('aarch64-linux-gnu-gcc', 'arm-dynamic', []), true],
      [compile('aarch64-linux-gnu-gcc', 'arm-dynamic-nopie', ['-no-pie']), true],
      [compile('aarch64-linux-gnu-gcc', 'arm-static', ['-static']), false],
      [compile('gcc', 'x64-dynamic', []), true],
      [compile('gcc', 'x64-static', ['-static']), false],
    ];
    for (const [file, dynamic] of cases) {
      expect(readelfSaysInterp(file), file).toBe(dynamic);
      expect(hasProgramInterpreter(file), file).toBe(dynamic);
    }
  });

  it('says "dynamic" when it cannot tell: not ELF, not 64-bit little-endian, truncated, missing, a directory, a FIFO', () => {
    const staticExe = compile('aarch64-linux-gnu-gcc', 'static-source', ['-static']);
    const bytes = fs.readFileSync(staticExe);
    expect(hasProgramInterpreter(staticExe)).toBe(false);

    const script = path.join(dir, 'script.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    // The same static file marked big-endian, then 32-bit: formats not read here.
    const bigEndian = path.join(dir, 'big-endian');
    fs.writeFileSync(bigEndian, Buffer.concat([bytes.subarray(0, 5), Buffer.from([2]), bytes.subarray(6)]));
    const elf32 = path.join(dir, 'elf32');
    fs.writeFileSync(elf32, Buffer.concat([bytes.subarray(0, 4), Buffer.from([1]), bytes.subarray(5)]));
    // The header alone: its program header table lies past the end.
    const truncated = path.join(dir, 'truncated');
    fs.writeFileSync(truncated, bytes.subarray(0, 64));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]); // opened without a writer: must not block

    for (const file of [script, bigEndian, elf32, truncated, path.join(dir, 'missing'), dir, fifo]) {
      expect(hasProgramInterpreter(file), file).toBe(true);
    }
  });
});

interface Started {
  /** The Lambda Invoke endpoint, when it started. */
  endpoint?: string;
  code: number | null;
  stderr: string;
  stop(): Promise<void>;
}

/**
 * `nanolambda start <group>` in a private mount namespace whose
 * /usr/aarch64-linux-gnu is an empty tmpfs: resolves once it prints its
 * endpoint, or once it exits.
 */
function startWithSysrootHidden(group: string, cwd: string): Promise<Started> {
  const hide = `mount -t tmpfs none ${AARCH64_SYSROOT} && exec "$@"`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', hide, 'sh', process.execPath, bin, 'start', group], { cwd });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`start neither listened nor exited:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ endpoint: m[1]!, code: null, stderr, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      resolve({ code, stderr: `${stdout}\n${stderr}`, stop });
    });
  });
}

describe.skipIf(noHiding !== undefined)('nanolambda start with the aarch64 sysroot hidden', () => {
  let dir: string;
  let emulation: Aarch64Emulation | undefined;
  let staticEcho: string;
  let sysrootCopy: string;
  const dynamicEcho = path.join(prebuiltFor('arm64').sdk, 'libexec', 'nanolambda', 'examples', 'echo');

  /** A group of one arm64 function named echo, its own state and HTTP on a free port. */
  const groupOf = (name: string, fn: Omit<TestFunction, 'name'>): string => {
    const groupDir = path.join(dir, name);
    fs.mkdirSync(groupDir);
    const file = writeGroup(groupDir, [{ name: 'echo', ...fn }], [], {
      StateDir: path.join(groupDir, 'state'),
      Http: { Host: '127.0.0.1', Port: 0, Auth: 'None' },
    });
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Architectures = ['arm64'];
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    return file;
  };

  const invokeEcho = async (endpoint: string, payload: string): Promise<string> => {
    const response = await fetch(`${endpoint}/2015-03-31/functions/echo/invocations?Qualifier=1`, { method: 'POST', body: payload });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(response.headers.get('x-amz-function-error'), body).toBeNull();
    return body;
  };

  beforeAll(() => {
    ensurePrebuilds();
    ensureBuilt();
    dir = tempDir('arm64-sysroot');
    // The SDK's sources and the echo example, linked statically for aarch64:
    // no PT_INTERP, so no ld.so and no libc needed at run time.
    const csdk = path.join(repoRoot, 'csdk');
    const wire = path.join(repoRoot, 'native', 'wire');
    const sources = [
      ...fs.readdirSync(path.join(csdk, 'src')).filter((f) => f.endsWith('.c')).map((f) => path.join(csdk, 'src', f)),
      ...fs.readdirSync(wire).filter((f) => f.endsWith('.c')).map((f) => path.join(wire, f)),
      path.join(csdk, 'examples', 'echo.c'),
    ];
    staticEcho = path.join(dir, 'static-echo', 'echo');
    fs.mkdirSync(path.dirname(staticEcho));
    execFileSync('aarch64-linux-gnu-gcc', ['-static', '-O1', '-pthread', '-I', path.join(csdk, 'include'), '-I', wire, ...sources, '-o', staticEcho]);
    expect(hasProgramInterpreter(staticEcho)).toBe(false);
    expect(hasProgramInterpreter(dynamicEcho)).toBe(true);
    sysrootCopy = path.join(dir, 'sysroot');
    fs.cpSync(path.join(AARCH64_SYSROOT, 'lib'), path.join(sysrootCopy, 'lib'), { recursive: true, verbatimSymlinks: true });
    emulation = registerAarch64(HANDLER_NAME);
  }, 300_000);

  afterAll(() => {
    emulation?.undo();
    if (sysrootCopy !== undefined) fs.rmSync(sysrootCopy, { recursive: true, force: true });
  });

  it('refuses a dynamic arm64 function, naming it, its executable, the missing ld.so and the package to install', async () => {
    const started = await startWithSysrootHidden(groupOf('dynamic', { executable: dynamicEcho }), dir);
    await started.stop();
    expect(started.endpoint, started.stderr).toBeUndefined();
    expect(started.code).not.toBe(0);
    expect(started.stderr).toContain(
      `function echo (${ARN_PREFIX}echo:1) has Architectures ["arm64"], and this machine is x86_64: its executable ${dynamicEcho} is dynamic, ` +
        `and needs arm64's ld.so and libc, which qemu-user looks up under QEMU_LD_PREFIX (default ${AARCH64_SYSROOT}), and ${LOADER} is missing. ` +
        'Install them (`apt-get install libc6-arm64-cross`)',
    );
    // Hidden in the namespace only: the host's sysroot is where it was.
    expect(fs.existsSync(LOADER)).toBe(true);
  }, 120_000);

  it("starts and invokes it when its Environment's QEMU_LD_PREFIX names a copy of the sysroot's lib", async () => {
    const started = await startWithSysrootHidden(groupOf('own-prefix', { executable: dynamicEcho, env: { QEMU_LD_PREFIX: sysrootCopy } }), dir);
    try {
      expect(started.endpoint, started.stderr).toBeDefined();
      expect(await invokeEcho(started.endpoint!, 'through my own ld.so')).toBe('through my own ld.so');
    } finally {
      await started.stop();
    }
  }, 120_000);

  it('starts and invokes a static arm64 function with no sysroot and no QEMU_LD_PREFIX', async () => {
    const started = await startWithSysrootHidden(groupOf('static', { executable: staticEcho }), dir);
    try {
      expect(started.endpoint, started.stderr).toBeDefined();
      expect(await invokeEcho(started.endpoint!, 'no ld.so at all')).toBe('no ld.so at all');

      // The same through the Lambda API: CreateFunction takes the static one and refuses the dynamic one.
      const create = async (name: string, executable: string): Promise<Response> => {
        const zip = path.join(dir, `${name}.zip`);
        execFileSync('zip', ['-j', '-q', zip, executable]);
        const body = {
          FunctionName: name, Runtime: 'arn:aws:greengrass:::runtime/function/executable', Handler: 'echo',
          Role: 'arn:aws:iam::123456789012:role/gateway', Architectures: ['arm64'], Code: { ZipFile: fs.readFileSync(zip).toString('base64') },
        };
        return fetch(`${started.endpoint}/2015-03-31/functions`, { method: 'POST', body: JSON.stringify(body) });
      };
      const refused = await create('api-dynamic', dynamicEcho);
      const reason = await refused.text();
      expect(refused.status, reason).toBe(400);
      expect(reason).toContain('is dynamic, and needs arm64\'s ld.so and libc');
      const accepted = await create('api-static', staticEcho);
      expect(accepted.status, await accepted.text()).toBe(201);
      const invoked = await fetch(`${started.endpoint}/2015-03-31/functions/api-static/invocations`, { method: 'POST', body: '"static via the API"' });
      expect(await invoked.text()).toBe('"static via the API"');
    } finally {
      await started.stop();
    }
  }, 120_000);
});
