// Architectures through the Lambda API with the real AWS CLI against a real
// Runtime: a refused CreateFunction or UpdateFunctionCode leaves no package
// in the package store (a package some version uses stays), and
// `aws lambda update-function-code --architectures arm64 --zip-file …` moves
// an x86_64 function to arm64 code, which then runs under qemu-user.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { aws, awsMissing, awsScratch } from './helpers/aws-cli';
import { AARCH64_SYSROOT, aarch64EmulationUnavailable, registerAarch64, type Aarch64Emulation } from './helpers/binfmt';
import { prebuiltFor } from './helpers/prebuilds';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';

const EXECUTABLE_RUNTIME = 'arn:aws:greengrass:::runtime/function/executable';
const ROLE = 'arn:aws:iam::123456789012:role/gateway';
// The prebuilt arm64 SDK's echo example: a real aarch64 function (scripts/prebuild.js makes it; this file does not).
const ARM_ECHO = path.join(prebuiltFor('arm64').sdk, 'libexec', 'nanolambda', 'examples', 'echo');

const unavailable = awsMissing ?? (fs.existsSync(ARM_ECHO) ? undefined : `${ARM_ECHO} is missing (npm run build:prebuilds makes it)`);
if (unavailable !== undefined) console.warn(`skipping the Lambda API architecture tests: ${unavailable}`);
const noEmulation = aarch64EmulationUnavailable() ?? (fs.existsSync(AARCH64_SYSROOT) ? undefined : `${AARCH64_SYSROOT} is missing (apt-get install libc6-arm64-cross)`);
if (unavailable === undefined && noEmulation !== undefined) console.warn(`skipping update-function-code --architectures arm64: ${noEmulation}`);

describe.skipIf(unavailable !== undefined)('Architectures through the Lambda API and the AWS CLI', () => {
  let dir: string;
  let runtime: Runtime;
  let endpoint: string;
  let hostZip: string;
  let armZip: string;

  const lambda = async (...args: string[]) => {
    const run = await aws(['lambda', ...args, '--endpoint-url', endpoint, '--output', 'json'], runtime.group.stateDir);
    return { ...run, json: run.code === 0 && run.stdout.trim() !== '' ? (JSON.parse(run.stdout) as Record<string, unknown>) : {} };
  };
  /** Everything in the package store: each package is a directory and a zip. */
  const storedPackages = (): string[] => fs.readdirSync(path.join(runtime.group.stateDir, 'code')).sort();
  const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('base64');

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('lambda-architectures');
    // Both zips hold an executable named echo: the same Handler runs either.
    hostZip = path.join(dir, 'host.zip');
    execFileSync('zip', ['-j', '-q', hostZip, path.join(examplesDir, 'echo')]);
    armZip = path.join(dir, 'arm.zip');
    execFileSync('zip', ['-j', '-q', armZip, ARM_ECHO]);
    const group = writeGroup(dir, [{ name: 'group-echo', executable: path.join(examplesDir, 'echo') }]);
    runtime = await Runtime.start({ group, http: { host: '127.0.0.1', port: 0 } });
    endpoint = `http://127.0.0.1:${runtime.httpAddress!.port}`;
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it('a refused CreateFunction leaves no package behind', async () => {
    // The store exists once the API has been used: create one function first.
    const created = await lambda('create-function', '--function-name', 'host-echo', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'echo', '--role', ROLE, '--zip-file', `fileb://${hostZip}`);
    expect(created.stderr).toBe('');
    const before = storedPackages();
    expect(before).toHaveLength(2);
    // arm64 code in a function that names no architecture: this x86_64 machine's.
    const refused = await lambda('create-function', '--function-name', 'wrong-arch', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'echo', '--role', ROLE, '--zip-file', `fileb://${armZip}`);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidParameterValueException)');
    expect(refused.stderr).toMatch(/"echo" is an ELF executable for aarch64 \(arm64\), but the function's architecture is x86_64/);
    expect(storedPackages()).toEqual(before);
  });

  it('a refused UpdateFunctionCode leaves no package behind, and a refused upload of a package in use keeps it', async () => {
    // Another arm64 zip than the first test's, so a package that test left behind could not hide one left here.
    const note = path.join(dir, 'note.txt');
    fs.writeFileSync(note, 'an arm64 build\n');
    const otherArmZip = path.join(dir, 'arm-other.zip');
    execFileSync('zip', ['-j', '-q', otherArmZip, ARM_ECHO, note]);
    const before = storedPackages();
    const refused = await lambda('update-function-code', '--function-name', 'host-echo', '--zip-file', `fileb://${otherArmZip}`);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidParameterValueException)');
    expect(storedPackages()).toEqual(before);
    expect((await lambda('get-function-configuration', '--function-name', 'host-echo')).json).toMatchObject({ Architectures: ['x86_64'], CodeSha256: sha256(hostZip) });
    // The same zip as host-echo's, refused for another reason: host-echo still has its code.
    const again = await lambda('create-function', '--function-name', 'host-echo', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'echo', '--role', ROLE, '--zip-file', `fileb://${hostZip}`);
    expect(again.stderr).toContain('(ResourceConflictException)');
    expect(storedPackages()).toEqual(before);
    const out = path.join(awsScratch, `out-${crypto.randomUUID()}`);
    const invoked = await lambda('invoke', '--function-name', 'host-echo', '--cli-binary-format', 'raw-in-base64-out', '--payload', '"still here"', out);
    expect(invoked.json).toMatchObject({ StatusCode: 200 });
    expect(fs.readFileSync(out, 'utf8')).toBe('"still here"');
  });

  describe.skipIf(noEmulation !== undefined)('with a qemu-user handler for aarch64', () => {
    let emulation: Aarch64Emulation | undefined;
    beforeAll(() => {
      emulation = registerAarch64('nanolambda-test-lambda-architectures');
    });
    afterAll(() => {
      emulation?.undo();
    });

    it('update-function-code --architectures arm64 moves an x86_64 function to arm64 code, which runs', async () => {
      const updated = await lambda('update-function-code', '--function-name', 'host-echo', '--architectures', 'arm64', '--zip-file', `fileb://${armZip}`);
      expect(updated.stderr).toBe('');
      expect(updated.json).toMatchObject({ Architectures: ['arm64'], CodeSha256: sha256(armZip) });
      expect((await lambda('get-function-configuration', '--function-name', 'host-echo')).json).toMatchObject({ Architectures: ['arm64'], CodeSha256: sha256(armZip) });
      const out = path.join(awsScratch, `out-${crypto.randomUUID()}`);
      const invoked = await lambda('invoke', '--function-name', 'host-echo', '--cli-binary-format', 'raw-in-base64-out', '--payload', '"from arm64"', out);
      expect(invoked.stderr).toBe('');
      expect(invoked.json).toMatchObject({ StatusCode: 200 });
      expect(fs.readFileSync(out, 'utf8')).toBe('"from arm64"');
      // And back: x86_64 code with --architectures x86_64.
      const back = await lambda('update-function-code', '--function-name', 'host-echo', '--architectures', 'x86_64', '--zip-file', `fileb://${hostZip}`);
      expect(back.json).toMatchObject({ Architectures: ['x86_64'], CodeSha256: sha256(hostZip) });
    }, 120_000);

    it('refuses an arm64 Python function even so: it would run on this machine\'s own python3', async () => {
      const handler = path.join(dir, 'index.py');
      fs.writeFileSync(handler, 'def handler(event, context):\n    return event\n');
      const pyZip = path.join(dir, 'py.zip');
      execFileSync('zip', ['-j', '-q', pyZip, handler]);
      const before = storedPackages();
      const refused = await lambda('create-function', '--function-name', 'py-arm', '--runtime', 'python3.11', '--handler', 'index.handler', '--role', ROLE, '--architectures', 'arm64', '--zip-file', `fileb://${pyZip}`);
      expect(refused.code).toBe(254);
      expect(refused.stderr).toContain('(InvalidParameterValueException)');
      expect(refused.stderr).toMatch(/python3\.11 functions run on this machine's own python3 \(x86_64\), not under an emulator/);
      // Nothing new is stored. (The arm64 echo's package may go meanwhile: its worker stopping lets the collector remove it.)
      expect(storedPackages().filter((name) => !before.includes(name))).toEqual([]);
    });
  });
});
