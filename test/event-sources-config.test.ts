// Nanolambda.EventSources in a group file: the defaults, and a clear error
// naming the field for every mistake; function names checked against the
// group's functions.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGroupFile } from '../src/config/load-group';
import { Fields } from '../src/config/fields';
import { checkEventSourceFunctions, parseEventSourcesSection } from '../src/event-sources/event-sources-section';
import { configMappingUuid } from '../src/event-sources/mapping';
import { FunctionRegistry } from '../src/registry/registry';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';

const P = 'Nanolambda.EventSources';
const f = new Fields('/gw/group.json');
const parse = (value: unknown) => parseEventSourcesSection(value, P, f, '/gw');
const error = (value: unknown): string => {
  try {
    parse(value);
  } catch (e) {
    expect(e).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID' });
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('Nanolambda.EventSources', () => {
  it('parses a schedule and a directory with their defaults', () => {
    const sources = parse([
      { Id: 'nightly', Function: 'echo:1', Schedule: 'cron(0 3 * * ? *)' },
      { Id: 'uploads', Function: 'arn:aws:lambda:us-east-1:123456789012:function:echo:1', Directory: 'incoming/photos' },
    ]);
    expect(sources).toEqual([
      {
        id: 'nightly',
        jsonPath: `${P}[0]`,
        functionName: 'echo:1',
        enabled: true,
        source: { kind: 'schedule', expression: 'cron(0 3 * * ? *)', input: undefined },
      },
      {
        id: 'uploads',
        jsonPath: `${P}[1]`,
        functionName: 'arn:aws:lambda:us-east-1:123456789012:function:echo:1',
        enabled: true,
        source: { kind: 'directory', directory: '/gw/incoming/photos', bucket: 'photos', prefix: '', suffix: '', recursive: false, settleMs: 500 },
      },
    ]);
  });

  it('takes every optional field', () => {
    const [schedule, directory] = parse([
      { Id: 'tick', Function: 'echo', Schedule: 'rate(5 minutes)', Input: { job: 'sweep', n: [1, 2] }, Enabled: false },
      { Id: 'u', Function: 'echo', Directory: '/srv/Up Loads', Bucket: 'uploads.local', Prefix: 'in/', Suffix: '.jpg', Recursive: true, SettleMilliseconds: 0, Enabled: true },
    ]);
    expect(schedule).toMatchObject({ enabled: false, source: { kind: 'schedule', input: '{"job":"sweep","n":[1,2]}' } });
    expect(directory!.source).toEqual({
      kind: 'directory',
      directory: '/srv/Up Loads',
      bucket: 'uploads.local',
      prefix: 'in/',
      suffix: '.jpg',
      recursive: true,
      settleMs: 0,
    });
  });

  it('gives each Id a UUID that stays the same (what a directory delivered is kept under it)', () => {
    expect(configMappingUuid('uploads')).toBe(configMappingUuid('uploads'));
    expect(configMappingUuid('uploads')).not.toBe(configMappingUuid('uploads2'));
    expect(configMappingUuid('uploads')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    [{}, `${P}: expected an array, found an object`],
    [[5], `${P}[0]: expected an object, found the number 5`],
    [[{ Id: 'a', Function: 'echo' }], `${P}[0]: expected exactly one of "Schedule" (rate(...) or cron(...)) and "Directory" (a path to watch)`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)', Directory: '/x' }], `${P}[0]: expected exactly one of "Schedule"`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)', Bucket: 'b' }], `${P}[0].Bucket: unknown field; expected one of Id, Function, Enabled, Schedule, Input`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/y', Input: {} }], `${P}[0].Input: unknown field; expected one of Id, Function, Enabled, Directory, Bucket`],
    [[{ Function: 'echo', Schedule: 'rate(1 hour)' }], `${P}[0].Id: expected a string, found nothing`],
    [[{ Id: 'a b', Function: 'echo', Schedule: 'rate(1 hour)' }], `${P}[0].Id: expected an Id of 1-64 letters, digits, "_", "." or "-", found the string "a b"`],
    [
      [
        { Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)' },
        { Id: 'a', Function: 'echo', Schedule: 'rate(2 hours)' },
      ],
      `${P}[1].Id: "a" is already the Id of ${P}[0]: Ids must be unique`,
    ],
    [[{ Id: 'a', Schedule: 'rate(1 hour)' }], `${P}[0].Function: expected a string, found nothing`],
    [[{ Id: 'a', Function: 'bad name!', Schedule: 'rate(1 hour)' }], `${P}[0].Function: Invalid function name 'bad name!'`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'rate(1 minutes)' }], `${P}[0].Schedule: invalid schedule expression "rate(1 minutes)": write rate(1 minute)`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'cron(0 3 * * * *)' }], `${P}[0].Schedule: invalid schedule expression "cron(0 3 * * * *)": exactly one of`],
    [[{ Id: 'a', Function: 'echo', Schedule: 5 }], `${P}[0].Schedule: expected a string, found the number 5`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)', Enabled: 'yes' }], `${P}[0].Enabled: expected true or false, found the string "yes"`],
    [[{ Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)', Input: 'x'.repeat(1024 * 1024) }], `${P}[0].Input: is 1048578 bytes of JSON: an Event payload is at most 1048576 bytes`],
    [[{ Id: 'a', Function: 'echo', Directory: '' }], `${P}[0].Directory: expected a directory path, found the string ""`],
    [[{ Id: 'a', Function: 'echo', Directory: '/srv/My Uploads' }], `${P}[0].Directory: its name is the default Bucket, but "My Uploads" is not 3-63 lowercase letters`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/y', Bucket: 'a..b' }], `${P}[0].Bucket: expected an S3 bucket name, but "a..b" has two adjacent periods`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', Bucket: '10.0.0.1' }], `${P}[0].Bucket: expected an S3 bucket name, but "10.0.0.1" is formatted as an IP address`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', Prefix: 3 }], `${P}[0].Prefix: expected a string, found the number 3`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', Suffix: 'x'.repeat(1025) }], `${P}[0].Suffix: expected at most 1024 characters`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', Recursive: 1 }], `${P}[0].Recursive: expected true or false, found the number 1`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', SettleMilliseconds: -1 }], `${P}[0].SettleMilliseconds: expected an integer number of milliseconds from 0 to 600000, found the number -1`],
    [[{ Id: 'a', Function: 'echo', Directory: '/x/yyy', SettleMilliseconds: 1.5 }], `${P}[0].SettleMilliseconds: expected an integer number of milliseconds from 0 to 600000`],
  ].map(([value, message]) => [message, value] as const))('refuses: %s', (message, value) => {
    expect(error(value)).toContain(`/gw/group.json: ${message}`);
  });
});

describe('checkEventSourceFunctions', () => {
  let registry: FunctionRegistry;
  beforeAll(() => {
    ensureSdk();
    const dir = tempDir('event-sources-config');
    const group = loadGroupFile(
      writeGroup(dir, [
        { name: 'echo', executable: path.join(examplesDir, 'echo') },
        { name: 'counter', executable: path.join(examplesDir, 'counter') },
      ]),
    );
    registry = new FunctionRegistry(group);
  });

  it('accepts a FunctionArn of the group, a name, and name:version', () => {
    const sources = parse([
      { Id: 'a', Function: 'arn:aws:lambda:us-east-1:123456789012:function:echo:1', Schedule: 'rate(1 hour)' },
      { Id: 'b', Function: 'counter', Schedule: 'rate(1 hour)' },
      { Id: 'c', Function: 'echo:1', Directory: '/x/yyy' },
    ]);
    expect(() => checkEventSourceFunctions(sources, registry, f)).not.toThrow();
  });

  it('names the Function field of an entry that reaches no function', () => {
    const sources = parse([
      { Id: 'a', Function: 'echo', Schedule: 'rate(1 hour)' },
      { Id: 'b', Function: 'missing', Schedule: 'rate(1 hour)' },
    ]);
    expect(() => checkEventSourceFunctions(sources, registry, f)).toThrow(
      `/gw/group.json: ${P}[1].Function: Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing: name one of the group's functions`,
    );
    const wrongVersion = parse([{ Id: 'a', Function: 'echo:7', Schedule: 'rate(1 hour)' }]);
    expect(() => checkEventSourceFunctions(wrongVersion, registry, f)).toThrow(`${P}[0].Function: Function not found`);
  });
});
