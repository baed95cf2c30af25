// GreengrassContainer mode for real (root, namespaces): what a function sees
// from inside its container, run-as identities, local volume and device
// resources, the private /tmp, an out-of-memory kill through the container's
// relay, and nothing left behind on the host after stop. The `shell`
// fixture runs its payload with /bin/sh inside the worker and answers the
// output, so every check looks from where the function stands.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whyNoContainers } from '../src/isolation/container-probe';
import { Runtime } from '../src/runtime';
import { ARN_PREFIX, buildExecutable, ensureSdk, examplesDir, sdkDir, tempDir } from './helpers/sdk';

const launcher = path.join(sdkDir, 'bin', 'nanolambda-launcher');

function whySkip(): string | undefined {
  if (process.getuid?.() !== 0) return 'containers need root, and this test runs as uid ' + process.getuid?.();
  ensureSdk();
  const why = whyNoContainers(launcher);
  return why === undefined ? undefined : `this machine cannot create containers: ${why}`;
}
const skip = whySkip();
console.log(skip === undefined ? 'container tests: running for real (root, namespaces available)' : `skipping the container tests: ${skip}`);

/** A device node of our own with loop7's numbers (block 7:7): distinct from every node a container gets
 * anyway, and one that opens for reading and writing without a driver's own checks (an unbound loop). */
const DEVICE = '/dev/nanolambda-test-device';
const DEVICE_GID = 4321;

describe.skipIf(skip !== undefined)('GreengrassContainer mode', () => {
  let runtime: Runtime;
  let dir: string;
  let stateDir: string;
  let secretDir: string;
  let roVolume: string;
  let rwVolume: string;
  let hostTmpFile: string;
  let mountsBefore: number;
  const secretValueFile = () => path.join(dir, 'token-value');
  const secretKeyFile = () => path.join(dir, 'keys', 'secret.key');

  const run = async (fn: string, command: string): Promise<string> =>
    (await runtime.invoke(fn, command)).payload.toString();

  beforeAll(async () => {
    mountsBefore = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length;
    dir = tempDir('container');
    fs.chmodSync(dir, 0o755);
    const shell = buildExecutable(path.join(__dirname, 'fixtures', 'shell.c'), dir);
    // b's code directory holds a file only b should be able to read.
    secretDir = path.join(dir, 'b-code');
    fs.mkdirSync(secretDir);
    fs.copyFileSync(shell, path.join(secretDir, 'shell'));
    fs.chmodSync(path.join(secretDir, 'shell'), 0o755);
    fs.writeFileSync(path.join(secretDir, 'secret'), 'b only');
    fs.chmodSync(path.join(secretDir, 'secret'), 0o644);
    roVolume = path.join(dir, 'ro-volume');
    rwVolume = path.join(dir, 'rw-volume');
    fs.mkdirSync(roVolume);
    fs.mkdirSync(rwVolume, { mode: 0o777 });
    fs.chmodSync(rwVolume, 0o777);
    fs.writeFileSync(path.join(roVolume, 'hello'), 'from the host');
    hostTmpFile = path.join('/tmp', `nanolambda-host-only-${process.pid}`);
    fs.writeFileSync(hostTmpFile, 'host /tmp');
    fs.rmSync(DEVICE, { force: true });
    require('node:child_process').execFileSync('mknod', ['-m', '0660', DEVICE, 'b', '7', '7']);
    fs.chownSync(DEVICE, 0, DEVICE_GID);
    stateDir = path.join(dir, 'state');
    // World-readable on the host: only the container's hiding keeps functions from it.
    fs.writeFileSync(secretValueFile(), 'top-secret-value', { mode: 0o644 });

    const container = (extra: object = {}) => ({ Execution: { IsolationMode: 'GreengrassContainer' }, ...extra });
    const fn = (name: string, executable: string, environment: object, more: object = {}) => ({
      Id: name,
      FunctionArn: `${ARN_PREFIX}${name}:1`,
      FunctionConfiguration: { Executable: executable, EncodingType: 'binary', Timeout: 10, MemorySize: 16384, Environment: environment, ...more },
    });
    const group = {
      FunctionDefinitionVersion: {
        Functions: [
          fn('a', 'shell', {
            Execution: { IsolationMode: 'GreengrassContainer', RunAs: { Uid: 1234, Gid: 2345 } },
            ResourceAccessPolicies: [
              { ResourceId: 'ro-volume', Permission: 'ro' },
              { ResourceId: 'rw-volume', Permission: 'rw' },
              { ResourceId: 'device', Permission: 'ro' },
            ],
          }),
          fn('b', 'shell', container({ ResourceAccessPolicies: [{ ResourceId: 'device', Permission: 'rw' }, { ResourceId: 'token' }] })),
          fn('allocator', 'allocator', container()),
        ],
      },
      ResourceDefinitionVersion: {
        Resources: [
          { Id: 'ro-volume', Name: 'ro', ResourceDataContainer: { LocalVolumeResourceData: { SourcePath: roVolume, DestinationPath: '/data/ro' } } },
          { Id: 'rw-volume', Name: 'rw', ResourceDataContainer: { LocalVolumeResourceData: { SourcePath: rwVolume, DestinationPath: '/data/rw' } } },
          {
            Id: 'device',
            Name: 'device',
            ResourceDataContainer: { LocalDeviceResourceData: { SourcePath: DEVICE, GroupOwnerSetting: { AutoAddGroupOwner: true } } },
          },
          {
            Id: 'token',
            Name: 'token',
            ResourceDataContainer: { SecretsManagerSecretResourceData: { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token-Ab12Cd' } },
          },
        ],
      },
      Nanolambda: {
        Code: { [`${ARN_PREFIX}a:1`]: shell, [`${ARN_PREFIX}b:1`]: secretDir, [`${ARN_PREFIX}allocator:1`]: path.join(examplesDir, 'allocator') },
        Functions: { [`${ARN_PREFIX}a:1`]: { TmpSizeKB: 1024 } },
        Http: false,
        StateDir: stateDir,
        LogDir: path.join(dir, 'logs'),
        Secrets: { token: { FromFile: secretValueFile() } },
        SecretKeyFile: secretKeyFile(),
      },
    };
    const file = path.join(dir, 'group.json');
    fs.writeFileSync(file, JSON.stringify(group, null, 2));
    runtime = await Runtime.start({ group: file, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
    fs.rmSync(DEVICE, { force: true });
    if (hostTmpFile) fs.rmSync(hostTmpFile, { force: true });
  });

  it('runs the function as its RunAs identity, or as nobody by default when the runtime is root', async () => {
    expect(await run('a', 'id -u; id -g')).toBe('1234\n2345\nexit=0');
    // AutoAddGroupOwner: the device's group joins b's supplementary groups (and a's).
    expect(await run('b', 'id -u; id -G')).toBe(`65534\n65534 ${DEVICE_GID}\nexit=0`);
  });

  it('shows only the container’s own processes, the function’s init as pid 1', async () => {
    const listing = await run('a', 'ls /proc | grep -E "^[0-9]+$"; cat /proc/1/cmdline | tr "\\0" " "');
    const pids = listing.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
    // init, the function, its sh and ls/grep: never the host's.
    expect(pids).toContain(1);
    expect(pids.every((pid) => pid < 20)).toBe(true);
    expect(pids).not.toContain(process.pid);
    expect(listing).toContain('nanolambda-launcher');
  });

  it('gives a read-only root, the code at /lambda as the working directory, nothing of other functions or the runtime', async () => {
    expect(await run('a', 'pwd; ls /lambda')).toBe('/lambda\nshell\nexit=0');
    // The SDK at a fixed place, wherever the package is (a CI clone in /tmp is not in the mirror).
    expect(await run('a', 'echo $LD_LIBRARY_PATH; ls /nanolambda/lib | grep -c libaws-greengrass-core-sdk-c.so')).toMatch(/^\/nanolambda\/lib(:[^\n]*)?\n[1-9]\d*\nexit=0$/);
    expect(await run('a', 'touch /usr/nanolambda-x')).toMatch(/Read-only file system\nexit=1$/);
    // b's code, the state directory and the host's /tmp are not there for a.
    expect(await run('a', `cat ${path.join(secretDir, 'secret')}`)).toMatch(/(No such file or directory|Permission denied)\nexit=1$/);
    // Hidden (an unreadable empty mount), or absent when the tree is under /tmp (a CI clone).
    expect(await run('a', `ls -A ${stateDir}`)).toMatch(/(Permission denied|No such file or directory)\nexit=2$/);
    expect(await run('a', `cat ${hostTmpFile}`)).toMatch(/No such file or directory\nexit=1$/);
    // b reads its own code at /lambda.
    expect(await run('b', 'cat /lambda/secret')).toBe('b onlyexit=0');
  });

  it('hides the secret key file and the files secret values are read from', async () => {
    expect(fs.statSync(secretKeyFile()).size).toBe(32);
    for (const fn of ['a', 'b']) {
      const out = await run(fn, `cat ${secretValueFile()}; echo; wc -c < ${secretKeyFile()}`);
      expect(out).not.toContain('top-secret-value');
      expect(out).not.toMatch(/^32$/m);
    }
  });

  it('gives each function a private /tmp of its configured size', async () => {
    expect(await run('a', 'echo mine > /tmp/note && cat /tmp/note')).toBe('mine\nexit=0');
    expect(await run('b', 'cat /tmp/note')).toMatch(/No such file or directory\nexit=1$/);
    // TmpSizeKB 1024 for a.
    expect(await run('a', 'dd if=/dev/zero of=/tmp/big bs=1024 count=2048; rm -f /tmp/big')).toMatch(/No space left on device/);
  });

  it('mounts volumes read-only or read-write as the policies say', async () => {
    expect(await run('a', 'cat /data/ro/hello')).toBe('from the hostexit=0');
    expect(await run('a', 'touch /data/ro/new')).toMatch(/Read-only file system\nexit=1$/);
    expect(await run('a', 'echo written > /data/rw/out')).toBe('exit=0');
    const written = path.join(rwVolume, 'out');
    expect(fs.readFileSync(written, 'utf8')).toBe('written\n');
    expect(fs.statSync(written).uid).toBe(1234);
    // b has no policy on the volumes: not mounted.
    expect(await run('b', 'ls /data')).toMatch(/No such file or directory\nexit=2$/);
  });

  it('gives devices as the policies say, enforced by the devices cgroup', async () => {
    // a: read-only; b: read-write.
    expect(await run('a', `exec 3<${DEVICE} && echo opened`)).toBe('opened\nexit=0');
    expect(await run('a', `exec 3>${DEVICE} && echo opened`)).toMatch(/Operation not permitted\nexit=2$/);
    expect(await run('b', `exec 3>${DEVICE} && echo opened`)).toBe('opened\nexit=0');
  });

  it('reports an out-of-memory kill inside a container like any other, and the neighbours keep answering', async () => {
    expect((await runtime.invoke('allocator', '4')).payload.toString()).toBe('4');
    const killed = await runtime.invoke('allocator', '64');
    expect(killed.functionError).toBe('Unhandled');
    expect(JSON.parse(killed.payload.toString()).errorMessage).toMatch(/signal: killed \(SIGKILL\): Runtime\.OutOfMemory/);
    expect(await run('b', 'echo alive')).toBe('alive\nexit=0');
    expect((await runtime.invoke('allocator', '4')).payload.toString()).toBe('4');
  });

  it('leaves no mount behind on the host after stop', async () => {
    await runtime.stop();
    const mountsAfter = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length;
    expect(mountsAfter).toBe(mountsBefore);
    expect(fs.readdirSync(path.join(stateDir, 'container-root'))).toEqual([]);
  });
});
