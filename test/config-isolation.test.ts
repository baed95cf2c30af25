// The isolation parts of a group: RunAs, AccessSysfs, local volume and
// device resources with the functions' policies on them, and the per-function
// rlimit/tmpfs settings. Resources are checked against the real file system,
// so the tests use real files under test/.tmp, /dev/null and /dev/shm.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroupFile, parseGroup } from '../src/config/load-group';
import { groupIdOf } from '../src/config/resources';
import { NOBODY_ID, NO_RUN_AS, resolveRunAs } from '../src/config/run-as';
import type { FunctionSpec } from '../src/config/types';
import { ConfigError } from '../src/errors';
import { arn, writeScript } from './config-fixtures';
import { tempDir } from './helpers/sdk';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
let dataDir: string;
let dataFile: string;
/** A group of /etc/group, not root and not the temp files' own group, to tell GroupOwner from AutoAddGroupOwner. */
let namedGroup: { name: string; gid: number };
/** A regular file under /dev (in /dev/shm), undefined when /dev/shm is not writable here. */
let fileUnderDev: string | undefined;

beforeAll(() => {
  dir = tempDir('config-isolation');
  writeScript(dir, 'code/a/run');
  writeScript(dir, 'code/b');
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  dataFile = path.join(dataDir, 'settings.txt');
  fs.writeFileSync(dataFile, 'x');
  fs.symlinkSync('/sys', path.join(dir, 'sys-link'));
  const entries = fs
    .readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 3 && /^[0-9]+$/.test(fields[2]!) && fields[2] !== '0');
  // AutoAddGroupOwner of the root group needs AllowFunctionsToRunAsRoot: as
  // root, give the file another group.
  if (fs.statSync(dataFile).gid === 0) fs.chownSync(dataFile, fs.statSync(dataFile).uid, Number(entries[0]![2]));
  const ownGid = fs.statSync(dataFile).gid;
  const pick = entries.find((fields) => Number(fields[2]) !== ownGid) ?? entries[0]!;
  namedGroup = { name: pick[0]!, gid: Number(pick[2]) };
  try {
    fileUnderDev = path.join('/dev/shm', `nanolambda-config-test-${process.pid}`);
    fs.writeFileSync(fileUnderDev, 'x');
  } catch {
    fileUnderDev = undefined;
  }
});
afterAll(() => {
  if (fileUnderDev !== undefined) fs.rmSync(fileUnderDev, { force: true });
});

const A = arn('a', '1');
const B = arn('b', '1');
const FN0 = 'FunctionDefinitionVersion.Functions[0]';
const ENV0 = `${FN0}.FunctionConfiguration.Environment`;
const POL0 = `${ENV0}.ResourceAccessPolicies`;
const RES = 'ResourceDefinitionVersion.Resources';

/** Two container functions; resources: a volume, a file volume, /dev/null, a secret, a model. */
function valid(): Json {
  return {
    ResourceDefinitionVersion: {
      Resources: [
        {
          Id: 'data',
          Name: 'Data',
          ResourceDataContainer: {
            LocalVolumeResourceData: {
              SourcePath: dataDir,
              DestinationPath: '/data',
              GroupOwnerSetting: { AutoAddGroupOwner: false, GroupOwner: namedGroup.name },
            },
          },
        },
        {
          Id: 'settings',
          Name: 'Settings',
          ResourceDataContainer: {
            LocalVolumeResourceData: {
              SourcePath: dataFile,
              DestinationPath: '/etc/app/settings.txt',
              GroupOwnerSetting: { AutoAddGroupOwner: true },
            },
          },
        },
        {
          Id: 'null',
          Name: 'Null',
          ResourceDataContainer: {
            // /dev/null's group is root's: AutoAddGroupOwner would need AllowFunctionsToRunAsRoot.
            LocalDeviceResourceData: { SourcePath: '/dev/null', GroupOwnerSetting: { AutoAddGroupOwner: false } },
          },
        },
        {
          Id: 'token',
          Name: 'Token',
          ResourceDataContainer: { SecretsManagerSecretResourceData: { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbC123' } },
        },
        {
          Id: 'model',
          Name: 'Model',
          ResourceDataContainer: { S3MachineLearningModelResourceData: { S3Uri: 's3://b/m.tar.gz', DestinationPath: '/model' } },
        },
      ],
    },
    FunctionDefinitionVersion: {
      Functions: [
        { Id: 'a', FunctionArn: A, FunctionConfiguration: { Executable: 'run', Environment: {} } },
        { Id: 'b', FunctionArn: B, FunctionConfiguration: { Executable: 'b' } },
      ],
    },
    Nanolambda: { Code: { [A]: 'code/a', [B]: 'code/b' }, Secrets: { token: { FromEnv: 'NANOLAMBDA_TEST_TOKEN' } } },
  };
}

function load(g: Json): { a: FunctionSpec; b: FunctionSpec } {
  const fns = parseGroup(g, 'group.json', dir).functions;
  return { a: fns[0]!, b: fns[1]! };
}

function loaded(mutate: (g: Json) => void): { a: FunctionSpec; b: FunctionSpec } {
  const g = valid();
  mutate(g);
  return load(g);
}

function errorOf(mutate: (g: Json) => void): ConfigError {
  const g = valid();
  mutate(g);
  try {
    parseGroup(g, 'group.json', dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectError(mutate: (g: Json) => void, field: string, reason: RegExp): void {
  const err = errorOf(mutate);
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`group.json: ${field}: `)).toBe(true);
  expect(err.message).toMatch(reason);
}

const env = (g: Json, i = 0): Json => g.FunctionDefinitionVersion.Functions[i].FunctionConfiguration.Environment;
const policies = (g: Json, list: unknown[]): void => void (env(g).ResourceAccessPolicies = list);
const volume = (g: Json, i = 0): Json => g.ResourceDefinitionVersion.Resources[i].ResourceDataContainer.LocalVolumeResourceData;
const device = (g: Json): Json => g.ResourceDefinitionVersion.Resources[2].ResourceDataContainer.LocalDeviceResourceData;
const addVolume = (g: Json, id: string, source: string, destination: string): void =>
  void g.ResourceDefinitionVersion.Resources.push({
    Id: id,
    Name: id,
    ResourceDataContainer: { LocalVolumeResourceData: { SourcePath: source, DestinationPath: destination } },
  });
const regexp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('resolveRunAs', () => {
  const root = { uid: 0, gid: 0 };
  const user = { uid: 1000, gid: 100 };

  it('takes the function value over DefaultConfig, each field on its own', () => {
    expect(resolveRunAs({ uid: 5, gid: undefined }, { uid: 7, gid: 8 }, root)).toEqual({ uid: 5, gid: 8 });
    expect(resolveRunAs({ uid: undefined, gid: 9 }, { uid: 7, gid: 8 }, user)).toEqual({ uid: 7, gid: 9 });
  });

  it('a root runtime defaults to nobody/nogroup, never root', () => {
    expect(resolveRunAs(NO_RUN_AS, NO_RUN_AS, root)).toEqual({ uid: NOBODY_ID, gid: NOBODY_ID });
    expect(NOBODY_ID).toBe(65534);
    expect(resolveRunAs(NO_RUN_AS, { uid: 7, gid: undefined }, root)).toEqual({ uid: 7, gid: 65534 });
  });

  it('a non-root runtime defaults to its own ids', () => {
    expect(resolveRunAs(NO_RUN_AS, NO_RUN_AS, user)).toEqual({ uid: 1000, gid: 100 });
    expect(resolveRunAs({ uid: undefined, gid: 3 }, NO_RUN_AS, user)).toEqual({ uid: 1000, gid: 3 });
  });
});

describe('RunAs in a group', () => {
  it('resolves the function over DefaultConfig per field', () => {
    const { a, b } = loaded((g) => {
      g.FunctionDefinitionVersion.DefaultConfig = { Execution: { RunAs: { Uid: 10, Gid: 20 } } };
      env(g).Execution = { RunAs: { Gid: 30 } };
    });
    expect(a.runAs).toEqual({ uid: 10, gid: 30 });
    expect(b.runAs).toEqual({ uid: 10, gid: 20 });
  });

  it('defaults from this runtime process', () => {
    const { a } = load(valid());
    const uid = process.getuid!();
    expect(a.runAs).toEqual(uid === 0 ? { uid: 65534, gid: 65534 } : { uid, gid: process.getgid!() });
  });

  it('refuses Uid 0 in a function and says how to allow it', () => {
    expectError(
      (g) => (env(g).Execution = { RunAs: { Uid: 0 } }),
      `${ENV0}.Execution.RunAs.Uid`,
      /Uid 0 runs the function as root, which is refused by default: set "AllowFunctionsToRunAsRoot": true in Nanolambda.Runtime to allow it \(Greengrass's runtime.allowFunctionsToRunAsRoot\)/,
    );
  });

  it('refuses Gid 0 in DefaultConfig even when functions override it', () => {
    expectError(
      (g) => {
        g.FunctionDefinitionVersion.DefaultConfig = { Execution: { RunAs: { Uid: 1, Gid: 0 } } };
        env(g).Execution = { RunAs: { Gid: 5 } };
      },
      'FunctionDefinitionVersion.DefaultConfig.Execution.RunAs.Gid',
      /Gid 0 runs the function with the root group, which is refused by default: set "AllowFunctionsToRunAsRoot": true/,
    );
  });

  it('accepts 0 with Runtime.AllowFunctionsToRunAsRoot', () => {
    const g = valid();
    g.Nanolambda.Runtime = { AllowFunctionsToRunAsRoot: true };
    g.FunctionDefinitionVersion.DefaultConfig = { Execution: { RunAs: { Uid: 0, Gid: 0 } } };
    const group = parseGroup(g, 'group.json', dir);
    expect(group.allowFunctionsToRunAsRoot).toBe(true);
    expect(group.functions[0]!.runAs).toEqual({ uid: 0, gid: 0 });
  });

  it('keeps the shape checks', () => {
    expectError((g) => (env(g).Execution = { RunAs: { Uid: 'root' } }), `${ENV0}.Execution.RunAs.Uid`, /expected an integer from 0 to 4294967294, found the string "root"/);
    expectError((g) => (env(g).Execution = { RunAs: { User: 1 } }), `${ENV0}.Execution.RunAs.User`, /unknown field; expected one of Uid, Gid/);
  });
});

describe('Nanolambda.Runtime isolation switches', () => {
  it('both default to false', () => {
    const group = parseGroup(valid(), 'group.json', dir);
    expect([group.allowFunctionsToRunAsRoot, group.allowIsolationFallback]).toEqual([false, false]);
  });

  it('AllowIsolationFallback is read, and must be a boolean', () => {
    const g = valid();
    g.Nanolambda.Runtime = { AllowIsolationFallback: true };
    expect(parseGroup(g, 'group.json', dir).allowIsolationFallback).toBe(true);
    expectError((g) => (g.Nanolambda.Runtime = { AllowIsolationFallback: 'yes' }), 'Nanolambda.Runtime.AllowIsolationFallback', /expected true or false, found the string "yes"/);
    expectError((g) => (g.Nanolambda.Runtime = { AllowFunctionsToRunAsRoot: 1 }), 'Nanolambda.Runtime.AllowFunctionsToRunAsRoot', /expected true or false, found the number 1/);
  });
});

describe('resources a function may access', () => {
  it('gives volumes, devices and supplementary groups from the policies', () => {
    const { a, b } = loaded((g) =>
      policies(g, [
        { ResourceId: 'data', Permission: 'rw' },
        { ResourceId: 'settings', Permission: 'ro' },
        { ResourceId: 'null' },
        { ResourceId: 'token' },
        { ResourceId: 'model', Permission: 'rw' },
      ]),
    );
    expect(a.volumes).toEqual([
      { resourceId: 'data', source: dataDir, destination: '/data', readOnly: false },
      { resourceId: 'settings', source: dataFile, destination: '/etc/app/settings.txt', readOnly: true },
    ]);
    expect(a.devices).toEqual([{ resourceId: 'null', path: '/dev/null', readOnly: true }]);
    const expected = [namedGroup.gid, fs.statSync(dataFile).gid].sort((x, y) => x - y);
    expect(a.supplementaryGids).toEqual(expected);
    expect([b.volumes, b.devices, b.supplementaryGids]).toEqual([[], [], []]);
  });

  it('a device policy can be rw; GroupOwner is ignored under AutoAddGroupOwner', () => {
    const { a } = loaded((g) => {
      volume(g, 1).GroupOwnerSetting = { AutoAddGroupOwner: true, GroupOwner: 'ignored' };
      policies(g, [{ ResourceId: 'null', Permission: 'rw' }, { ResourceId: 'settings' }]);
    });
    expect(a.devices).toEqual([{ resourceId: 'null', path: '/dev/null', readOnly: false }]);
    expect(a.supplementaryGids).toEqual([fs.statSync(dataFile).gid]);
  });

  it('a resource without GroupOwnerSetting, or with neither setting, adds no group', () => {
    const { a } = loaded((g) => {
      delete volume(g).GroupOwnerSetting;
      volume(g, 1).GroupOwnerSetting = { AutoAddGroupOwner: false };
      policies(g, [{ ResourceId: 'data' }, { ResourceId: 'settings' }]);
    });
    expect(a.volumes).toHaveLength(2);
    expect(a.supplementaryGids).toEqual([]);
  });

  it('accepts the Definition-wrapped export shape', () => {
    const { a } = loaded((g) => {
      g.ResourceDefinitionVersion = { Arn: 'arn:aws:greengrass:x', Id: 'r', Definition: g.ResourceDefinitionVersion };
      policies(g, [{ ResourceId: 'data' }]);
    });
    expect(a.volumes.map((v) => v.resourceId)).toEqual(['data']);
  });

  it('normalizes paths: no doubled or trailing slashes', () => {
    const { a } = loaded((g) => {
      volume(g).SourcePath = `${dataDir}//./`;
      volume(g).DestinationPath = '/srv//data/./x/';
      policies(g, [{ ResourceId: 'data' }]);
    });
    expect(a.volumes[0]).toMatchObject({ source: dataDir, destination: '/srv/data/x' });
  });

  it('allows /dev/shm and, read-only, /proc as volume sources', () => {
    const { a } = loaded((g) => {
      addVolume(g, 'shm', '/dev/shm', '/shm');
      addVolume(g, 'cpuinfo', '/proc/cpuinfo', '/host/cpuinfo');
      policies(g, [{ ResourceId: 'shm', Permission: 'rw' }, { ResourceId: 'cpuinfo' }]);
    });
    expect(a.volumes.map((v) => [v.source, v.readOnly])).toEqual([
      ['/dev/shm', false],
      ['/proc/cpuinfo', true],
    ]);
  });

  it('AccessSysfs: default false, true in container mode', () => {
    const { a, b } = loaded((g) => (env(g).AccessSysfs = true));
    expect([a.accessSysfs, b.accessSysfs]).toEqual([true, false]);
  });

  it('secret and model policies mount nothing; a secret policy affiliates the secret', () => {
    const { a, b } = loaded((g) => policies(g, [{ ResourceId: 'token' }, { ResourceId: 'model' }]));
    expect([a.volumes, a.devices, a.supplementaryGids]).toEqual([[], [], []]);
    expect([a.secrets, b.secrets]).toEqual([['token'], []]);
  });

  it('NoContainer functions may still name secrets', () => {
    const { a } = loaded((g) => {
      env(g).Execution = { IsolationMode: 'NoContainer' };
      policies(g, [{ ResourceId: 'token' }]);
    });
    expect(a.isolationMode).toBe('NoContainer');
  });
});

// [what, mutation, field, reason pattern]
const resourceErrors: Array<[string, (g: Json) => void, string, RegExp]> = [
  ['Resources missing', (g) => (g.ResourceDefinitionVersion = {}), RES, /expected an array, found nothing/],
  ['unknown key in the version', (g) => (g.ResourceDefinitionVersion.Resource = []), 'ResourceDefinitionVersion.Resource', /unknown field; expected one of Resources/],
  ['Id bad characters', (g) => (g.ResourceDefinitionVersion.Resources[0].Id = 'a/b'), `${RES}[0].Id`, /expected 1-128 characters of \[a-zA-Z0-9:_-\], found the string "a\/b"/],
  ['Id duplicate', (g) => (g.ResourceDefinitionVersion.Resources[1].Id = 'data'), `${RES}[1].Id`, /duplicate Id the string "data": ResourceDefinitionVersion.Resources\[0\] has it too/],
  ['Name too long', (g) => (g.ResourceDefinitionVersion.Resources[0].Name = 'n'.repeat(129)), `${RES}[0].Name`, /expected 1-128 characters/],
  ['Name duplicate', (g) => (g.ResourceDefinitionVersion.Resources[2].Name = 'Data'), `${RES}[2].Name`, /duplicate Name the string "Data": ResourceDefinitionVersion.Resources\[0\] has it too/],
  ['no data member', (g) => (g.ResourceDefinitionVersion.Resources[0].ResourceDataContainer = {}), `${RES}[0].ResourceDataContainer`, /expected exactly one of LocalVolumeResourceData, LocalDeviceResourceData, .*, found none/],
  ['two data members', (g) => (g.ResourceDefinitionVersion.Resources[0].ResourceDataContainer.LocalDeviceResourceData = { SourcePath: '/dev/null' }), `${RES}[0].ResourceDataContainer`, /found LocalVolumeResourceData and LocalDeviceResourceData/],
  ['unknown data member', (g) => (g.ResourceDefinitionVersion.Resources[0].ResourceDataContainer = { LocalDiskResourceData: {} }), `${RES}[0].ResourceDataContainer.LocalDiskResourceData`, /unknown field; expected one of LocalVolumeResourceData/],
  ['secret not an object', (g) => (g.ResourceDefinitionVersion.Resources[3].ResourceDataContainer.SecretsManagerSecretResourceData = 'arn'), `${RES}[3].ResourceDataContainer.SecretsManagerSecretResourceData`, /expected an object, found the string "arn"/],
  ['volume unknown key', (g) => (volume(g).Destination = '/x'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.Destination`, /unknown field; expected one of SourcePath, DestinationPath, GroupOwnerSetting/],
  ['volume source relative', (g) => (volume(g).SourcePath = 'data'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /expected an absolute path, found the string "data"/],
  ['volume source missing', (g) => (volume(g).SourcePath = '/nonexistent/nanolambda-test'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /^group.json: [^ ]+: \/nonexistent\/nanolambda-test does not exist on this machine$/],
  ['volume source the root', (g) => (volume(g).SourcePath = '/'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /the whole file system cannot be a volume/],
  ['volume source under /sys', (g) => (volume(g).SourcePath = '/sys/kernel'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /\/sys\/kernel is under \/sys: a volume cannot expose \/sys \(Environment.AccessSysfs shows it read-only\)/],
  ['volume source under /dev', (g) => (volume(g).SourcePath = '/dev/net'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /\/dev\/net is under \/dev: devices are LocalDeviceResourceData resources \(only \/dev\/shm may be a volume\)/],
  ['volume source /dev itself', (g) => (volume(g).SourcePath = '/dev'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /is under \/dev/],
  ['volume source under /var', (g) => (volume(g).SourcePath = '/var/lib'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /\/var\/lib is under \/var, which Greengrass does not allow as a volume: bind-mount it elsewhere first \(mount --bind \/var\/lib \/srv\/...\) and use that path/],
  ['volume source .. into /var', (g) => (volume(g).SourcePath = '/srv/../var/lib'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /\/var\/lib is under \/var/],
  ['volume source a symlink to /sys', (g) => (volume(g).SourcePath = path.join(dir, 'sys-link')), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /sys-link resolves to \/sys, which is under \/sys/],
  ['volume source a device', (g) => (volume(g).SourcePath = '/dev/shm/../null'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /\/dev\/null is under \/dev/],
  ['volume source with a tab', (g) => (volume(g).SourcePath = `${dataDir}/a\tb`), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`, /a path cannot contain a tab, a newline or a NUL character/],
  ['volume destination with a newline', (g) => (volume(g).DestinationPath = '/data\n/x'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /a path cannot contain a tab, a newline or a NUL character/],
  ['volume destination with a NUL', (g) => (volume(g).DestinationPath = '/data\0'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /a path cannot contain a tab, a newline or a NUL/],
  ['volume destination missing', (g) => delete volume(g).DestinationPath, `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /expected a string, found nothing/],
  ['volume destination relative', (g) => (volume(g).DestinationPath = 'data'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /expected an absolute path, found the string "data"/],
  ['volume destination /', (g) => (volume(g).DestinationPath = '/'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /the container's root cannot be a volume/],
  ['volume destination with ..', (g) => (volume(g).DestinationPath = '/data/../etc'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`, /expected a path without ".." segments, found the string "\/data\/..\/etc"/],
  ...['/proc/x', '/sys', '/dev/shm', '/tmp/x', '/lambda'].map(
    (d): [string, (g: Json) => void, string, RegExp] => [
      `volume destination ${d}`,
      (g) => (volume(g).DestinationPath = d),
      `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.DestinationPath`,
      new RegExp(`${regexp(d)} is under /${d.split('/')[1]}, which the container provides itself: choose another DestinationPath`),
    ],
  ),
  ['device outside /dev', (g) => (device(g).SourcePath = '/tmp'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`, /expected a device under \/dev, found the string "\/tmp"/],
  ['device .. out of /dev', (g) => (device(g).SourcePath = '/dev/../etc/passwd'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`, /expected a device under \/dev/],
  ['device missing', (g) => (device(g).SourcePath = '/dev/nanolambda-no-such-device'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`, /\/dev\/nanolambda-no-such-device does not exist on this machine/],
  ['device a directory', (g) => (device(g).SourcePath = '/dev/shm'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`, /\/dev\/shm is a directory, expected a character or block device/],
  ['device with a tab', (g) => (device(g).SourcePath = '/dev/tty\t0'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`, /a path cannot contain a tab/],
  ['device unknown key', (g) => (device(g).DestinationPath = '/dev/x'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.DestinationPath`, /unknown field; expected one of SourcePath, GroupOwnerSetting/],
  ['GroupOwnerSetting without AutoAddGroupOwner', (g) => (volume(g).GroupOwnerSetting = { GroupOwner: 'x' }), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.GroupOwnerSetting.AutoAddGroupOwner`, /missing: expected true \(add the group owning SourcePath\) or false/],
  ['GroupOwner unknown', (g) => (volume(g).GroupOwnerSetting.GroupOwner = 'nanolambda-no-such-group'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.GroupOwnerSetting.GroupOwner`, /no group "nanolambda-no-such-group" in \/etc\/group: create it \(groupadd\) or set AutoAddGroupOwner to true/],
  ['GroupOwner not a string', (g) => (volume(g).GroupOwnerSetting.GroupOwner = 27), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.GroupOwnerSetting.GroupOwner`, /expected a string, found the number 27/],
  ['GroupOwner with a colon', (g) => (device(g).GroupOwnerSetting.GroupOwner = 'a:b'), `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.GroupOwnerSetting.GroupOwner`, /expected a group name/],
  ['GroupOwnerSetting unknown key', (g) => (volume(g).GroupOwnerSetting.Owner = 'x'), `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.GroupOwnerSetting.Owner`, /unknown field; expected one of AutoAddGroupOwner, GroupOwner/],
];

const policyErrors: Array<[string, (g: Json) => void, string, RegExp]> = [
  ['policies not an array', (g) => (env(g).ResourceAccessPolicies = {}), POL0, /expected an array, found an object/],
  ['more than 10 policies', (g) => policies(g, Array.from({ length: 11 }, () => ({ ResourceId: 'data' }))), POL0, /expected at most 10 resource access policies \(Greengrass's limit\), found 11/],
  ['ResourceId missing', (g) => policies(g, [{ Permission: 'ro' }]), `${POL0}[0].ResourceId`, /expected a string, found nothing/],
  ['ResourceId unknown', (g) => policies(g, [{ ResourceId: 'nope' }]), `${POL0}[0].ResourceId`, /no resource in ResourceDefinitionVersion has the Id "nope"/],
  ['no ResourceDefinitionVersion', (g) => {
    delete g.ResourceDefinitionVersion;
    policies(g, [{ ResourceId: 'data' }]);
  }, `${POL0}[0].ResourceId`, /no resource "data": the group has no ResourceDefinitionVersion/],
  ['ResourceId twice', (g) => policies(g, [{ ResourceId: 'data' }, { ResourceId: 'null' }, { ResourceId: 'data', Permission: 'rw' }]), `${POL0}[2].ResourceId`, /duplicate ResourceId the string "data": .*ResourceAccessPolicies\[0\] has it too/],
  ['Permission bad', (g) => policies(g, [{ ResourceId: 'data', Permission: 'RW' }]), `${POL0}[0].Permission`, /expected one of "ro", "rw", found the string "RW"/],
  ['policy unknown key', (g) => policies(g, [{ ResourceId: 'data', Access: 'ro' }]), `${POL0}[0].Access`, /unknown field; expected one of ResourceId, Permission/],
  ['volume on NoContainer', (g) => {
    env(g).Execution = { IsolationMode: 'NoContainer' };
    policies(g, [{ ResourceId: 'data' }]);
  }, `${POL0}[0]`, /resource "data" is a local volume: device and volume resources need GreengrassContainer mode, and this function runs NoContainer/],
  ['device on NoContainer through DefaultConfig', (g) => {
    g.FunctionDefinitionVersion.DefaultConfig = { Execution: { IsolationMode: 'NoContainer' } };
    policies(g, [{ ResourceId: 'token' }, { ResourceId: 'null' }]);
  }, `${POL0}[1]`, /resource "null" is a local device: device and volume resources need GreengrassContainer mode/],
  ['AccessSysfs on NoContainer', (g) => {
    env(g).Execution = { IsolationMode: 'NoContainer' };
    env(g).AccessSysfs = true;
  }, `${ENV0}.AccessSysfs`, /AccessSysfs needs GreengrassContainer mode, and this function runs NoContainer/],
  ['AccessSysfs not a boolean', (g) => (env(g).AccessSysfs = 'true'), `${ENV0}.AccessSysfs`, /expected true or false, found the string "true"/],
  ['two volumes at one destination', (g) => {
    addVolume(g, 'other', dataDir, '/data/');
    policies(g, [{ ResourceId: 'data' }, { ResourceId: 'other' }]);
  }, `${POL0}[1].ResourceId`, /resource "other" mounts at \/data like .*ResourceAccessPolicies\[0\]: a function's volumes need distinct DestinationPaths/],
  ['rw on a /proc volume', (g) => {
    addVolume(g, 'cpuinfo', '/proc/cpuinfo', '/cpuinfo');
    policies(g, [{ ResourceId: 'cpuinfo', Permission: 'rw' }]);
  }, `${POL0}[0].Permission`, /\/proc\/cpuinfo is under \/proc, which can only be read: set "ro"/],
  ['rw on a secret', (g) => policies(g, [{ ResourceId: 'token', Permission: 'rw' }]), `${POL0}[0].Permission`, /a secret can only be read/],
];

describe('resource definitions are refused with file, field and reason', () => {
  it.each(resourceErrors)('%s', (_what, mutate, field, reason) => expectError(mutate, field, reason));
});

describe('resource access policies are refused with file, field and reason', () => {
  it.each(policyErrors)('%s', (_what, mutate, field, reason) => expectError(mutate, field, reason));
});

describe('devices must be character or block devices', () => {
  it('a regular file is not a device, even under /dev', (ctx) => {
    if (fileUnderDev === undefined) return ctx.skip();
    expectError(
      (g) => (device(g).SourcePath = fileUnderDev),
      `${RES}[2].ResourceDataContainer.LocalDeviceResourceData.SourcePath`,
      new RegExp(`${regexp(fileUnderDev!)} is a regular file, expected a character or block device`),
    );
  });

  it('a block device is accepted when the machine has one', (ctx) => {
    const block = fs.readdirSync('/dev').map((n) => path.join('/dev', n)).find((p) => {
      try {
        return fs.statSync(p).isBlockDevice();
      } catch {
        return false;
      }
    });
    if (block === undefined) return ctx.skip();
    const { a } = loaded((g) => {
      device(g).SourcePath = block;
      policies(g, [{ ResourceId: 'null' }]);
    });
    expect(a.devices).toEqual([{ resourceId: 'null', path: block, readOnly: true }]);
  });
});

describe('groupIdOf reads /etc/group lines', () => {
  const text = '# local groups\nroot:x:0:\nwheel:x:10:alice,bob\r\n+nis\ndialout:x:20:\nbroken:x:notanumber:\n';
  it.each([
    ['root', 0],
    ['wheel', 10],
    ['dialout', 20],
    ['broken', undefined],
    ['alice', undefined],
    ['+nis', undefined],
  ])('%s -> %s', (name, gid) => expect(groupIdOf(name, text)).toBe(gid));
});

describe('codeRoot', () => {
  it('is the absolute Nanolambda.Code path: the directory or the executable itself', () => {
    const { a, b } = load(valid());
    expect(a.codeRoot).toBe(path.join(dir, 'code/a'));
    expect(a.executable).toBe(path.join(dir, 'code/a/run'));
    expect(b.codeRoot).toBe(path.join(dir, 'code/b'));
    expect(b.executable).toBe(b.codeRoot);
  });

  it('cannot contain a tab or a newline', () => {
    expectError(
      (g) => (g.Nanolambda.Code[A] = 'code/a\tx'),
      `Nanolambda.Code["${A}"]`,
      /a path cannot contain a tab, a newline or a NUL character/,
    );
  });
});

describe('rlimit and tmpfs settings', () => {
  const S = `Nanolambda.Functions["${A}"]`;

  it('default to 1024 files, no core dumps, 16 MB of /tmp', () => {
    const { a } = load(valid());
    expect([a.maxOpenFiles, a.coreFileBytes, a.tmpBytes]).toEqual([1024, 0, 16 * 1024 * 1024]);
  });

  it('are read with their units', () => {
    const { a, b } = loaded((g) => (g.Nanolambda.Functions = { [A]: { MaxOpenFiles: 16, CoreFileSizeKB: 1024, TmpSizeKB: 64 } }));
    expect([a.maxOpenFiles, a.coreFileBytes, a.tmpBytes]).toEqual([16, 1024 * 1024, 64 * 1024]);
    expect([b.maxOpenFiles, b.coreFileBytes, b.tmpBytes]).toEqual([1024, 0, 16 * 1024 * 1024]);
    const { a: big } = loaded((g) => (g.Nanolambda.Functions = { [A]: { MaxOpenFiles: 1048576, CoreFileSizeKB: 1048576, TmpSizeKB: 1048576 } }));
    expect([big.maxOpenFiles, big.coreFileBytes, big.tmpBytes]).toEqual([1048576, 1024 ** 3, 1024 ** 3]);
  });

  it.each([
    ['MaxOpenFiles', 15, /expected an integer from 16 to 1048576, found the number 15/],
    ['MaxOpenFiles', 1048577, /found the number 1048577/],
    ['CoreFileSizeKB', -1, /expected an integer number of KB from 0 to 1048576, found the number -1/],
    ['CoreFileSizeKB', 1048577, /from 0 to 1048576/],
    ['TmpSizeKB', 63, /expected an integer number of KB from 64 to 1048576, found the number 63/],
    ['TmpSizeKB', 1048577, /from 64 to 1048576/],
    ['TmpSizeKB', 100.5, /found the number 100.5/],
    ['TmpSizeKB', '64', /found the string "64"/],
  ])('%s %j is refused', (key, value, reason) => {
    expectError((g) => (g.Nanolambda.Functions = { [A]: { [key]: value } }), `${S}.${key}`, reason);
  });
});

describe('the root group through GroupOwnerSetting needs AllowFunctionsToRunAsRoot', () => {
  const GOS = (i: number, kind: string) => `${RES}[${i}].ResourceDataContainer.${kind}.GroupOwnerSetting`;
  const OPT_IN = `set "AllowFunctionsToRunAsRoot": true in Nanolambda.Runtime to allow it (Greengrass's runtime.allowFunctionsToRunAsRoot)`;
  const rootGroup = (): string =>
    fs.readFileSync('/etc/group', 'utf8').split('\n').map((line) => line.split(':')).find((fields) => fields[2] === '0')![0]!;

  it('refuses AutoAddGroupOwner on a device of the root group, used or not', (ctx) => {
    if (fs.statSync('/dev/null').gid !== 0) return ctx.skip();
    const err = errorOf((g) => (device(g).GroupOwnerSetting = { AutoAddGroupOwner: true }));
    expect(err.field).toBe(`${GOS(2, 'LocalDeviceResourceData')}.AutoAddGroupOwner`);
    expect(err.message).toBe(
      `group.json: ${err.field}: AutoAddGroupOwner adds the group owning /dev/null, the root group (gid 0), to every function with a policy on this resource, which is refused by default: ${OPT_IN}, or set AutoAddGroupOwner to false`,
    );
  });

  it('refuses AutoAddGroupOwner on a volume of the root group', (ctx) => {
    const file = path.join(tempDir('root-group'), 'owned-by-root');
    fs.writeFileSync(file, 'x');
    try {
      if (fs.statSync(file).gid !== 0) fs.chownSync(file, fs.statSync(file).uid, 0);
    } catch {
      return ctx.skip(); // only root can give a file the root group
    }
    expectError(
      (g) => (volume(g, 1).SourcePath = file),
      `${GOS(1, 'LocalVolumeResourceData')}.AutoAddGroupOwner`,
      new RegExp(`^group.json: [^ ]+: AutoAddGroupOwner adds the group owning ${regexp(file)}, the root group \\(gid 0\\),`),
    );
  });

  it('refuses a GroupOwner naming the root group', () => {
    const name = rootGroup();
    const err = errorOf((g) => (volume(g).GroupOwnerSetting.GroupOwner = name));
    expect(err.field).toBe(`${GOS(0, 'LocalVolumeResourceData')}.GroupOwner`);
    expect(err.message).toBe(
      `group.json: ${err.field}: GroupOwner ${JSON.stringify(name)} is the root group (gid 0): adding it to every function with a policy on this resource is refused by default: ${OPT_IN}`,
    );
  });

  it('accepts both with AllowFunctionsToRunAsRoot, and gid 0 joins the supplementary groups', () => {
    const { a } = loaded((g) => {
      g.Nanolambda.Runtime = { AllowFunctionsToRunAsRoot: true };
      volume(g).GroupOwnerSetting.GroupOwner = rootGroup();
      device(g).GroupOwnerSetting = { AutoAddGroupOwner: true };
      policies(g, [{ ResourceId: 'data' }, { ResourceId: 'null' }]);
    });
    expect(a.supplementaryGids).toEqual([...new Set([0, fs.statSync('/dev/null').gid])].sort((x, y) => x - y));
  });
});

describe('two device resources on one device path give one device', () => {
  const addDevice = (g: Json, id: string, source: string): void =>
    void g.ResourceDefinitionVersion.Resources.push({ Id: id, Name: id, ResourceDataContainer: { LocalDeviceResourceData: { SourcePath: source } } });

  it('read-write when either policy is', () => {
    const { a, b } = loaded((g) => {
      addDevice(g, 'null2', '/dev/shm/../null');
      policies(g, [{ ResourceId: 'null' }, { ResourceId: 'null2', Permission: 'rw' }]);
      g.FunctionDefinitionVersion.Functions[1].FunctionConfiguration.Environment = {
        ResourceAccessPolicies: [{ ResourceId: 'null2' }, { ResourceId: 'null' }],
      };
    });
    expect(a.devices).toEqual([{ resourceId: 'null', path: '/dev/null', readOnly: false }]);
    expect(b.devices).toEqual([{ resourceId: 'null2', path: '/dev/null', readOnly: true }]);
  });

  it('other devices stay distinct', () => {
    const { a } = loaded((g) => {
      addDevice(g, 'zero', '/dev/zero');
      policies(g, [{ ResourceId: 'null' }, { ResourceId: 'zero' }]);
    });
    expect(a.devices.map((d) => d.path)).toEqual(['/dev/null', '/dev/zero']);
  });
});

describe('a volume cannot be the whole file system, through a symlink or /proc', () => {
  const SRC = `${RES}[0].ResourceDataContainer.LocalVolumeResourceData.SourcePath`;
  let links: string;
  beforeAll(() => {
    links = tempDir('proc-links');
    fs.symlinkSync('/', path.join(links, 'root-link'));
    fs.symlinkSync('/proc/self/root', path.join(links, 'proc-root-link'));
    fs.symlinkSync('/proc/self', path.join(links, 'proc-self-link'));
    fs.symlinkSync('/proc/self/cwd', path.join(links, 'cwd-link'));
    fs.symlinkSync('cwd-link', path.join(links, 'relative-link'));
  });
  // Links to / and /proc/self left in test/.tmp would lead every tool that
  // walks the tree (test collectors, linters) into the whole file system.
  afterAll(() => fs.rmSync(links, { recursive: true, force: true }));
  const tid = process.pid; // the main thread's id is the process's

  it.each([
    ['a symlink to /', 'root-link', /^group.json: [^ ]+: \S+\/root-link resolves to \/, and the whole file system cannot be a volume: name the directory the function needs$/],
    ['a symlink to /proc/self/root', 'proc-root-link', /proc-root-link resolves to \/, and the whole file system cannot be a volume/],
  ])('refuses %s', (_what, link, reason) => expectError((g) => (volume(g).SourcePath = path.join(links, link)), SRC, reason));

  it.each([
    ['/proc/self/root', /^group.json: [^ ]+: \/proc\/self\/root reaches a process's root directory \(\/proc\/<pid>\/root\), through which a volume would show that process's whole file system: name the directory the function needs$/],
    ['/proc/1/cwd', /\/proc\/1\/cwd reaches a process's working directory \(\/proc\/<pid>\/cwd\)/],
    ['/proc/self/root/etc', /\/proc\/self\/root\/etc reaches a process's root directory/],
    [`/proc/self/task/${tid}/cwd`, /reaches a process's working directory/],
    ['/proc', /^group.json: [^ ]+: \/proc holds processes' root and cwd links \(\/proc\/<pid>\/root, \/proc\/<pid>\/cwd\), through which a volume would show their whole file systems: name the \/proc files the function needs \(like \/proc\/cpuinfo\)$/],
    ['/proc/self', /\/proc\/self holds processes' root and cwd links/],
    [`/proc/${tid}/task`, /holds processes' root and cwd links/],
    [`/proc/self/task/${tid}`, /holds processes' root and cwd links/],
  ])('refuses %s', (source, reason) => expectError((g) => (volume(g).SourcePath = source), SRC, reason));

  it('refuses symlinks into them, though their real path looks harmless', () => {
    expectError(
      (g) => (volume(g).SourcePath = path.join(links, 'proc-self-link')),
      SRC,
      new RegExp(`${regexp(path.join(links, 'proc-self-link'))} resolves through /proc/self, which holds processes' root and cwd links`),
    );
    // /proc/self/cwd resolves to this process's working directory: only the step shows it.
    expect(fs.realpathSync(path.join(links, 'cwd-link'))).toBe(process.cwd());
    for (const link of ['cwd-link', 'relative-link']) {
      expectError(
        (g) => (volume(g).SourcePath = path.join(links, link)),
        SRC,
        new RegExp(`${regexp(path.join(links, link))} resolves through /proc/self/cwd, which reaches a process's working directory`),
      );
    }
  });

  it('still allows /proc files and the process-independent directories', () => {
    const { a } = loaded((g) => {
      volume(g).SourcePath = '/proc/sys/kernel';
      addVolume(g, 'net', '/proc/net', '/host/net');
      policies(g, [{ ResourceId: 'data' }, { ResourceId: 'net' }]);
    });
    expect(a.volumes.map((v) => v.source)).toEqual(['/proc/sys/kernel', '/proc/net']);
  });
});

describe('StateDir, LogDir and the group file path reach the launcher: no tab, newline or NUL', () => {
  const CHARS = /a path cannot contain a tab, a newline or a NUL character \(the launcher receives paths in tab- and newline-separated lists\)/;

  it.each([
    ['LogDir', 'logs\n/x'],
    ['StateDir', 'state\tx'],
  ])('%s %j', (key, value) => expectError((g) => (g.Nanolambda[key] = value), `Nanolambda.${key}`, CHARS));

  it('checks the resolved directory: the config directory is part of it', () => {
    expect(() => parseGroup(valid(), 'group.json', `${dir}/a\nb`)).toThrow(/^group.json: Nanolambda.LogDir: a path cannot contain a tab/);
  });

  it('the group file path', () => {
    const file = path.join(dir, 'group\n.json');
    let err: unknown;
    try {
      parseGroup(valid(), file, dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('');
    expect((err as ConfigError).message.startsWith(`${file}: a path cannot contain a tab`)).toBe(true);
  });
});

describe('FunctionConfiguration.Executable stays inside its code directory', () => {
  const EXE = `${FN0}.FunctionConfiguration.Executable`;

  it.each([
    ['../b', 'code/b'],
    ['/bin/sh', '/bin/sh'],
  ])('refuses %s', (executable, resolved) => {
    const file = path.resolve(dir, resolved);
    const err = errorOf((g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Executable = executable));
    expect(err.field).toBe(EXE);
    expect(err.message).toBe(
      `group.json: ${EXE}: '${executable}' resolves to ${file}, outside the code directory ${path.join(dir, 'code/a')}: name a file inside it (a container runs it at /lambda/<its path in the directory>)`,
    );
  });

  it('accepts a path that stays inside, and ignores Executable when the code is the executable itself', () => {
    const { a, b } = loaded((g) => {
      g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Executable = 'x/../run';
      g.FunctionDefinitionVersion.Functions[1].FunctionConfiguration.Executable = '../../elsewhere';
    });
    expect(a.executable).toBe(path.join(dir, 'code/a/run'));
    expect(b.executable).toBe(path.join(dir, 'code/b'));
  });
});

describe('a container function cannot see what containers hide through its code or volumes', () => {
  const HIDDEN = 'and the mounts that hide it from containers do not reach into bind mounts';
  const CODE_A = `Nanolambda.Code["${A}"]`;

  /** A fresh directory (its real path) with code/a/run, code/b, srv/ and logs/. */
  function layout(): string {
    const r = fs.realpathSync(tempDir('exposure'));
    writeScript(r, 'code/a/run');
    writeScript(r, 'code/b');
    fs.mkdirSync(path.join(r, 'srv'));
    fs.mkdirSync(path.join(r, 'logs'));
    return r;
  }

  /** Two container functions with absolute code paths; StateDir r/state, LogDir r/logs. */
  function group(r: string): Json {
    return {
      ResourceDefinitionVersion: { Resources: [] },
      FunctionDefinitionVersion: {
        Functions: [
          { Id: 'a', FunctionArn: A, FunctionConfiguration: { Executable: 'run', Environment: { ResourceAccessPolicies: [] } } },
          { Id: 'b', FunctionArn: B, FunctionConfiguration: { Executable: 'b' } },
        ],
      },
      Nanolambda: {
        Code: { [A]: path.join(r, 'code/a'), [B]: path.join(r, 'code/b') },
        StateDir: path.join(r, 'state'),
        LogDir: path.join(r, 'logs'),
        Http: false,
      },
    };
  }

  /** A volume of function a at /vol. */
  function withVolume(g: Json, source: string): Json {
    g.ResourceDefinitionVersion.Resources.push({ Id: 'vol', Name: 'vol', ResourceDataContainer: { LocalVolumeResourceData: { SourcePath: source, DestinationPath: '/vol' } } });
    env(g).ResourceAccessPolicies.push({ ResourceId: 'vol' });
    return g;
  }

  /** Write the group to r/<name> and load it as the runtime does. */
  function load(r: string, g: Json, name = 'group.json'): ReturnType<typeof loadGroupFile> {
    const file = path.join(r, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(g));
    return loadGroupFile(file);
  }

  function refused(r: string, g: Json, field: string, reason: string, name = 'group.json'): void {
    try {
      load(r, g, name);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as ConfigError).message).toBe(`${path.join(r, name)}: ${field}: ${reason}`);
      return;
    }
    throw new Error('expected a ConfigError');
  }

  it('a volume holding the StateDir, which does not exist yet', () => {
    const r = layout();
    const g = withVolume(group(r), path.join(r, 'srv'));
    g.Nanolambda.StateDir = path.join(r, 'srv/state');
    refused(
      r,
      g,
      `${POL0}[0]`,
      `${A}'s volume ${r}/srv (resource "vol") exposes the runtime's StateDir ${r}/srv/state to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or set Nanolambda.StateDir elsewhere`,
    );
  });

  it('a volume inside the LogDir', () => {
    const r = layout();
    fs.mkdirSync(path.join(r, 'logs/a'));
    refused(
      r,
      withVolume(group(r), path.join(r, 'logs/a')),
      `${POL0}[0]`,
      `${A}'s volume ${r}/logs/a (resource "vol") exposes part of the runtime's LogDir ${r}/logs to the function: the volume lies inside it; choose another SourcePath or set Nanolambda.LogDir elsewhere`,
    );
  });

  it('a volume holding the group file', () => {
    const r = layout();
    fs.mkdirSync(path.join(r, 'conf'));
    refused(
      r,
      withVolume(group(r), path.join(r, 'conf')),
      `${POL0}[0]`,
      `${A}'s volume ${r}/conf (resource "vol") exposes the group file ${r}/conf/group.json to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or keep the group file elsewhere`,
      'conf/group.json',
    );
  });

  it('a volume holding the secret key file, or the device broker\'s private key', () => {
    const r = layout();
    fs.mkdirSync(path.join(r, 'etc'));
    const keyed = withVolume(group(r), path.join(r, 'etc'));
    keyed.Nanolambda.SecretKeyFile = path.join(r, 'etc/secret.key');
    refused(
      r,
      keyed,
      `${POL0}[0]`,
      `${A}'s volume ${r}/etc (resource "vol") exposes the secret key file ${r}/etc/secret.key to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or set Nanolambda.SecretKeyFile elsewhere`,
    );
    const pem = '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n';
    fs.writeFileSync(path.join(r, 'etc/broker.key'), pem);
    fs.writeFileSync(path.join(r, 'etc/broker.crt'), pem.replace(/PRIVATE KEY/g, 'CERTIFICATE'));
    const broker = withVolume(group(r), path.join(r, 'etc'));
    broker.Nanolambda.Mqtt = { Tls: { CertFile: 'etc/broker.crt', KeyFile: 'etc/broker.key' } };
    refused(
      r,
      broker,
      `${POL0}[0]`,
      `${A}'s volume ${r}/etc (resource "vol") exposes the device broker's private key ${r}/etc/broker.key to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or keep Nanolambda.Mqtt.Tls.KeyFile elsewhere`,
    );
  });

  it("a volume on another function's code", () => {
    const r = layout();
    refused(
      r,
      withVolume(group(r), path.join(r, 'code/b')),
      `${POL0}[0]`,
      `${A}'s volume ${r}/code/b (resource "vol") exposes ${B}'s code ${r}/code/b to the function: they are the same path; choose another SourcePath or move ${B}'s code elsewhere`,
    );
  });

  it("code holding another function's code", () => {
    const r = layout();
    const g = group(r);
    g.Nanolambda.Code[A] = path.join(r, 'code');
    g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Executable = 'a/run';
    refused(
      r,
      g,
      CODE_A,
      `${A}'s code ${r}/code exposes ${B}'s code ${r}/code/b to the function: it lies inside the code, ${HIDDEN}; point Nanolambda.Code at a directory holding only the code or move ${B}'s code elsewhere`,
    );
  });

  it("code inside another function's code, or inside the StateDir", () => {
    const r = layout();
    const g = group(r);
    g.Nanolambda.Code[A] = path.join(r, 'code/a/run');
    g.Nanolambda.Code[B] = path.join(r, 'code/a');
    g.FunctionDefinitionVersion.Functions[1].FunctionConfiguration.Executable = 'run';
    refused(
      r,
      g,
      CODE_A,
      `${A}'s code ${r}/code/a/run exposes part of ${B}'s code ${r}/code/a to the function: the code lies inside it; keep the code elsewhere or move ${B}'s code elsewhere`,
    );
    const s = group(r);
    s.Nanolambda.StateDir = path.join(r, 'code');
    refused(
      r,
      s,
      CODE_A,
      `${A}'s code ${r}/code/a exposes part of the runtime's StateDir ${r}/code to the function: the code lies inside it; keep the code elsewhere or set Nanolambda.StateDir elsewhere`,
    );
  });

  it('compares real paths: a symlinked volume, a StateDir below a symlink that does not exist yet', () => {
    const r = layout();
    fs.symlinkSync(path.join(r, 'srv'), path.join(r, 'srv-link'));
    const g = withVolume(group(r), path.join(r, 'srv-link'));
    g.Nanolambda.StateDir = path.join(r, 'srv/state');
    refused(
      r,
      g,
      `${POL0}[0]`,
      `${A}'s volume ${r}/srv-link (resolving to ${r}/srv) (resource "vol") exposes the runtime's StateDir ${r}/srv/state to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or set Nanolambda.StateDir elsewhere`,
    );
    const h = withVolume(group(r), path.join(r, 'srv'));
    h.Nanolambda.StateDir = path.join(r, 'srv-link/not/yet');
    refused(
      r,
      h,
      `${POL0}[0]`,
      `${A}'s volume ${r}/srv (resource "vol") exposes the runtime's StateDir ${r}/srv-link/not/yet (resolving to ${r}/srv/not/yet) to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or set Nanolambda.StateDir elsewhere`,
    );
  });

  it("a symlink to another function's code is that code", () => {
    const r = layout();
    fs.symlinkSync(path.join(r, 'code/b'), path.join(r, 'b-link'));
    refused(
      r,
      withVolume(group(r), path.join(r, 'b-link')),
      `${POL0}[0]`,
      `${A}'s volume ${r}/b-link (resolving to ${r}/code/b) (resource "vol") exposes ${B}'s code ${r}/code/b to the function: they are the same path; choose another SourcePath or move ${B}'s code elsewhere`,
    );
  });

  it('accepts separate paths, shared code, a volume on its own code, and a NoContainer function whose code holds the StateDir', () => {
    const r = layout();
    expect(load(r, withVolume(group(r), path.join(r, 'srv'))).functions[0]!.volumes).toHaveLength(1);

    const shared = withVolume(group(r), path.join(r, 'code/a'));
    shared.Nanolambda.Code[B] = path.join(r, 'code/a');
    shared.FunctionDefinitionVersion.Functions[1].FunctionConfiguration.Executable = 'run';
    expect(load(r, shared).functions.map((fn) => fn.codeRoot)).toEqual([path.join(r, 'code/a'), path.join(r, 'code/a')]);

    const host = group(r);
    host.Nanolambda.StateDir = path.join(r, 'code/a/state');
    env(host).Execution = { IsolationMode: 'NoContainer' };
    delete env(host).ResourceAccessPolicies;
    expect(load(r, host).functions[0]!.isolationMode).toBe('NoContainer');
    // The same in a container is refused.
    delete env(host).Execution;
    refused(
      r,
      host,
      CODE_A,
      `${A}'s code ${r}/code/a exposes the runtime's StateDir ${r}/code/a/state to the function: it lies inside the code, ${HIDDEN}; point Nanolambda.Code at a directory holding only the code or set Nanolambda.StateDir elsewhere`,
    );
  });

  it("protects a NoContainer function's code from a container function", () => {
    const r = layout();
    const g = withVolume(group(r), path.join(r, 'code'));
    g.FunctionDefinitionVersion.Functions[1].FunctionConfiguration.Environment = { Execution: { IsolationMode: 'NoContainer' } };
    refused(
      r,
      g,
      `${POL0}[0]`,
      `${A}'s volume ${r}/code (resource "vol") exposes ${B}'s code ${r}/code/b to the function: it lies inside the volume, ${HIDDEN}; use a narrower SourcePath or move ${B}'s code elsewhere`,
    );
  });
});
