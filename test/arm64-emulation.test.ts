// arm64 functions on this x86_64 runtime, end to end: aarch64 C executables
// built against the arm64 SDK (the prebuilt examples, and one cross-compiled
// here and deployed through the Lambda API) run under qemu-user through a
// binfmt_misc handler this file registers and removes. The host's launcher
// execs them; the kernel hands them to qemu. Slow is fine; wrong is not.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroupFile } from '../src/config/load-group';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import { whyNoContainers } from '../src/isolation/container-probe';
import { findSdkDir, SDK_LAUNCHER } from '../src/native/sdk-location';
import { foreignArchHandler } from '../src/system/binfmt';
import { AARCH64_SYSROOT, aarch64EmulationUnavailable, registerAarch64, type Aarch64Emulation } from './helpers/binfmt';
import { ensurePrebuilds, prebuiltFor, prebuildsUnavailable } from './helpers/prebuilds';
import { ARN_PREFIX, tempDir, writeGroup, type TestFunction } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const unavailable = aarch64EmulationUnavailable() ?? prebuildsUnavailable();
if (unavailable !== undefined) console.warn(`skipping the arm64 emulation tests: ${unavailable}`);

const HANDLER_NAME = 'nanolambda-test-arm64-emulation';
const arm = prebuiltFor('arm64');
const host = prebuiltFor('x64');
const armExample = (name: string): string => path.join(arm.sdk, 'libexec', 'nanolambda', 'examples', name);
const hostExample = (name: string): string => path.join(host.sdk, 'libexec', 'nanolambda', 'examples', name);
const EXECUTABLE_RUNTIME = 'arn:aws:greengrass:::runtime/function/executable';

/** writeGroup, with FunctionConfiguration.Architectures set for the functions named in `architectures`. */
function groupWith(dir: string, functions: TestFunction[], architectures: Record<string, unknown>, subscriptions: Parameters<typeof writeGroup>[2] = [], nanolambda: Record<string, unknown> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = writeGroup(dir, functions, subscriptions, { StateDir: path.join(dir, 'state'), ...nanolambda });
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const entry of json.FunctionDefinitionVersion.Functions) {
    if (entry.Id in architectures) entry.FunctionConfiguration.Architectures = architectures[entry.Id];
  }
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

/** A zip holding `files` (name -> path), made with Python's zipfile (always on Debian). */
function zipOf(out: string, files: Record<string, string>): Buffer {
  const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor i in range(2, len(sys.argv), 2): z.write(sys.argv[i + 1], sys.argv[i])\nz.close()';
  execFileSync('python3', ['-c', script, out, ...Object.entries(files).flat()]);
  return fs.readFileSync(out);
}

describe.skipIf(unavailable !== undefined)('arm64 functions under qemu-user on x86_64', () => {
  let dir: string;
  let runtime: Runtime | undefined;
  let emulation: Aarch64Emulation | undefined;
  let endpoint: string;
  let armGroup: string;
  let hostGroup: string;
  let userZip: Buffer;

  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${endpoint}/2015-03-31/functions${route}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };
  const createUserFunction = (name: string, architectures?: string[]) =>
    api('POST', '', {
      FunctionName: name,
      Role: 'arn:aws:iam::123456789012:role/lambda-role',
      Runtime: EXECUTABLE_RUNTIME,
      Handler: 'bin/machine',
      Code: { ZipFile: userZip.toString('base64') },
      ...(architectures === undefined ? {} : { Architectures: architectures }),
    });

  beforeAll(async () => {
    ensurePrebuilds();
    dir = tempDir('arm64-emulation');
    // A function of ours, cross-compiled against the arm64 SDK without a
    // RUNPATH: only the worker's LD_LIBRARY_PATH can find the SDK for it.
    const source = path.join(dir, 'machine.c');
    fs.writeFileSync(
      source,
      [
        '#include <string.h>',
        '#include <sys/utsname.h>',
        '#include "greengrasssdk.h"',
        'static void handler(const gg_lambda_context *cxt) {',
        '    char in[256], out[512];',
        '    size_t len = 0, n = 0;',
        '    struct utsname u;',
        '    (void)cxt;',
        '    do {',
        '        if (gg_lambda_handler_read(in + len, sizeof in - 1 - len, &n) != GGE_SUCCESS) { gg_lambda_handler_write_error("read failed"); return; }',
        '        len += n;',
        '    } while (n > 0 && len < sizeof in - 1);',
        '    in[len] = 0;',
        '    uname(&u);',
        '    strcpy(out, u.machine); strcat(out, " says "); strcat(out, in);',
        '    gg_lambda_handler_write_response(out, strlen(out));',
        '}',
        'int main(void) {',
        '    if (gg_global_init(0) != GGE_SUCCESS) return 1;',
        '    gg_runtime_start(handler, 0);',
        '    return 1;',
        '}',
        '',
      ].join('\n'),
    );
    const binary = path.join(dir, 'machine');
    execFileSync('aarch64-linux-gnu-gcc', [
      '-std=c99', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE',
      '-I', path.join(arm.sdk, 'include'), source, '-o', binary,
      '-L', path.join(arm.sdk, 'lib'), '-laws-greengrass-core-sdk-c',
    ]);
    expect(execFileSync('readelf', ['-d', binary]).toString()).not.toMatch(/RUNPATH|RPATH/);
    userZip = zipOf(path.join(dir, 'machine.zip'), { 'bin/machine': binary });

    // The runtime starts with an x86_64 group only, and the Lambda API; arm64 comes by deployment.
    hostGroup = groupWith(dir, [{ name: 'invokee', executable: hostExample('invokee') }], {}, [], {
      Http: { Host: '127.0.0.1', Port: 0, Auth: 'None' },
    });
    runtime = await Runtime.start({ group: hostGroup });
    endpoint = `http://${runtime.httpAddress!.host}:${runtime.httpAddress!.port}`;

    armGroup = groupWith(
      path.join(dir, 'arm'),
      [
        { name: 'echo', executable: armExample('echo') },
        { name: 'counter', executable: armExample('counter'), maxInstances: 1 },
        { name: 'publisher', executable: armExample('publisher'), env: { PUBLISH_TOPIC: 'arm/events' } },
        { name: 'invoker', executable: armExample('invoker'), env: { INVOKEE_ARN: `${ARN_PREFIX}invokee:1` } },
        { name: 'invokee', executable: hostExample('invokee') },
      ],
      { echo: ['arm64'], counter: ['arm64'], publisher: ['arm64'], invoker: ['arm64'] },
      [{ source: `${ARN_PREFIX}publisher:1`, subject: 'arm/#', target: `${ARN_PREFIX}counter:1` }],
      // The same runtime settings as the running group: a deployment cannot change them.
      { Http: { Host: '127.0.0.1', Port: 0, Auth: 'None' }, StateDir: path.join(dir, 'state'), LogDir: path.join(dir, 'logs') },
    );
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
    emulation?.undo();
  });

  it('refuses arm64 executables in a function declared x86_64, or not declared, naming the file and both architectures', async () => {
    for (const architectures of [undefined, ['x86_64']]) {
      const group = groupWith(path.join(dir, `wrong-${architectures ?? 'default'}`), [{ name: 'echo', executable: armExample('echo') }], architectures ? { echo: architectures } : {});
      expect(() => loadGroupFile(group)).toThrow(
        `FunctionConfiguration.Executable: ${armExample('echo')} is an ELF executable for aarch64 (arm64), but the function's architecture is x86_64: ` +
          'build it for x86_64, or set the function\'s Architectures to ["arm64"]',
      );
    }
    // And the other way round: an x86_64 executable declared arm64.
    const group = groupWith(path.join(dir, 'wrong-x64'), [{ name: 'echo', executable: hostExample('echo') }], { echo: ['arm64'] });
    expect(() => loadGroupFile(group)).toThrow(/is an ELF executable for x86_64 \(x64\), but the function's architecture is arm64: build it for aarch64/);
    // A value Lambda does not know is refused where it is written.
    const odd = groupWith(path.join(dir, 'odd'), [{ name: 'echo', executable: armExample('echo') }], { echo: ['aarch64'] });
    expect(() => loadGroupFile(odd)).toThrow(/Architectures\[0\]: expected one of "x86_64", "arm64", found the string "aarch64"/);

    // Through the Lambda API: the package's executable, by its name in the zip.
    for (const architectures of [undefined, ['x86_64']]) {
      const refused = await createUserFunction('wrong-arch', architectures);
      expect(refused.status).toBe(400);
      expect(String(refused.json.message)).toBe(
        'Function wrong-arch: Deployment package entry "bin/machine" is an ELF executable for aarch64 (arm64), ' +
          'but the function\'s architecture is x86_64: build it for x86_64, or set the function\'s Architectures to ["arm64"]',
      );
    }
    expect((await api('GET', '/wrong-arch/configuration')).status).toBe(404);
  });

  it('refuses an arm64 function while no binfmt_misc handler can run it, saying how to get one', async (ctx) => {
    if (foreignArchHandler('arm64') !== undefined) {
      console.warn(`skipping the no-handler refusal: this machine already has an aarch64 handler (${foreignArchHandler('arm64')!.file})`);
      ctx.skip();
    }
    const fix = /has Architectures \["arm64"\], and this machine is x86_64, and it runs arm64 executables only through qemu-user: no enabled binfmt_misc handler for aarch64 in \/proc\/sys\/fs\/binfmt_misc\. Install qemu-user-static/;
    await expect(runtime!.deploy(armGroup)).rejects.toThrow(fix);
    const refused = await createUserFunction('too-early', ['arm64']);
    expect(refused.status).toBe(400);
    expect(String(refused.json.message)).toMatch(/^Function too-early has Architectures \["arm64"\], and this machine is x86_64/);
    expect(String(refused.json.message)).toContain('apt-get install qemu-user-static');
    // The running group is untouched.
    expect((await runtime!.invoke('invokee', 'still')).payload.toString()).toContain('still');
  });

  describe('with an aarch64 handler registered', () => {
    beforeAll(async () => {
      emulation = registerAarch64(HANDLER_NAME);
      await runtime!.deploy(armGroup);
    }, 60_000);

    it('runs the arm64 echo with the arm64 SDK and the aarch64 sysroot, answering binary payloads byte for byte', async () => {
      const fn = runtime!.registry.resolve('echo').fn;
      expect(fn.architecture).toBe('arm64');
      for (const size of [0, 1, 4096, 65536, 1 << 20]) {
        const payload = Buffer.alloc(size);
        for (let i = 0; i < size; i++) payload[i] = (i * 131 + 7) & 0xff;
        const result = await runtime!.invoke('echo', payload);
        expect(result.functionError).toBeUndefined();
        expect(Buffer.compare(result.payload, payload)).toBe(0);
      }
      // It really is the aarch64 executable, under qemu, with the arm64 SDK library mapped.
      const pid = runtime!.poolFor(fn).workers[0]!.pid!;
      const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
      expect(maps).toContain(path.join(arm.sdk, 'lib', 'libaws-greengrass-core-sdk-c.so'));
      expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/qemu-aarch64/);
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`QEMU_LD_PREFIX=${AARCH64_SYSROOT}`);
      expect(environ.find((v) => v.startsWith('LD_LIBRARY_PATH='))).toMatch(new RegExp(`^LD_LIBRARY_PATH=${path.join(arm.sdk, 'lib')}(:|$)`));
    });

    it('publishes from the arm64 publisher through the subscriptions to the arm64 counter', async () => {
      const before = Number((await runtime!.invoke('counter', '')).payload.toString());
      const seen = new Promise<PublishEvent>((resolve) => runtime!.messages.once('publish', resolve));
      const result = await runtime!.invoke('publisher', 'hello from aarch64');
      expect(result.functionError).toBeUndefined();
      const event = await seen;
      expect(event.topic).toBe('arm/events');
      expect(event.payload.toString()).toBe('hello from aarch64');
      expect(event.targets).toEqual([`${ARN_PREFIX}counter:1`]);
      await waitFor(async () => Number((await runtime!.invoke('counter', '')).payload.toString()) >= before + 2, 30_000, 'the counter to see the published message');
    });

    it('invokes the x86_64 invokee from the arm64 invoker and hands its answer back', async () => {
      const result = await runtime!.invoke('invoker', 'world');
      expect(result.functionError).toBeUndefined();
      expect(result.payload.toString()).toContain('hello world');
    });

    it('creates, publishes and invokes a cross-compiled arm64 function through the Lambda API', async () => {
      const created = await createUserFunction('machine', ['arm64']);
      expect(created.status).toBe(201);
      expect(created.json.Architectures).toEqual(['arm64']);
      const published = await api('POST', '/machine/versions', {});
      expect(published.status).toBe(201);
      expect(published.json.Version).toBe('1');
      expect((await api('GET', '/machine/configuration?Qualifier=1')).json.Architectures).toEqual(['arm64']);
      const response = await fetch(`${endpoint}/2015-03-31/functions/machine/invocations?Qualifier=1`, { method: 'POST', body: 'qemu' });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-amz-function-error')).toBeNull();
      expect(await response.text()).toBe('aarch64 says qemu');
      // API functions run in GreengrassContainer mode where the machine can make containers.
      const fn = runtime!.registry.resolve('machine', '1').fn;
      const noContainers = whyNoContainers(path.join(findSdkDir()!, SDK_LAUNCHER));
      if (noContainers === undefined) {
        expect(fn.isolationMode).toBe('GreengrassContainer');
        expect(runtime!.poolFor(fn).workers[0]?.pid).toBeDefined();
      } else {
        console.warn(`not checking the API function's GreengrassContainer mode: this machine cannot make containers (${noContainers}); it ran ${fn.isolationMode}`);
      }
    });

    it('can change a function\'s architecture only to one its package is built for', async () => {
      const refused = await api('PUT', '/machine/configuration', { Architectures: ['x86_64'] });
      expect(refused.status).toBe(400);
      expect(String(refused.json.message)).toMatch(/"bin\/machine" is an ELF executable for aarch64 \(arm64\), but the function's architecture is x86_64/);
      expect((await api('GET', '/machine/configuration')).json.Architectures).toEqual(['arm64']);
    });
    // Last: it removes the handler. What the README says about a handler that goes away, as it is.
    it('leaves a stored arm64 function out while its handler is gone, saying why, and takes it back at the next deployment', async () => {
      emulation!.undo();
      emulation = undefined;
      expect(foreignArchHandler('arm64')).toBeUndefined();
      // The next deployment (here: the x86_64 group file) leaves the API's arm64 function out instead of failing.
      await runtime!.deploy(hostGroup);
      expect(() => runtime!.registry.resolve('machine', '1')).toThrow(/not found/i);
      await expect(runtime!.invoke('machine', 'gone', { qualifier: '1' })).rejects.toThrow(
        /^machine has Architectures \["arm64"\], and this machine is x86_64, and it runs arm64 executables only through qemu-user: no enabled binfmt_misc handler for aarch64/,
      );
      const response = await fetch(`${endpoint}/2015-03-31/functions/machine/invocations?Qualifier=1`, { method: 'POST', body: 'gone' });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('no enabled binfmt_misc handler for aarch64');
      expect((await runtime!.invoke('invokee', 'still')).payload.toString()).toContain('still');

      // The handler back: nothing changes until the next deployment (or restart), which takes the function back.
      emulation = registerAarch64(HANDLER_NAME);
      expect(() => runtime!.registry.resolve('machine', '1')).toThrow(/not found/i);
      await runtime!.deploy(hostGroup);
      expect((await runtime!.invoke('machine', 'back', { qualifier: '1' })).payload.toString()).toBe('aarch64 says back');
    });
  });
});
