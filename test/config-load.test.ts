// Loading realistic group files: both export shapes, defaults, conversions.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGroupFile, parseGroup } from '../src/config/load-group';
import { ACCOUNT, arn, exportedGroup, tempDir, writeExportedGroupCode, writeScript } from './config-fixtures';

const dirs: string[] = [];
function dirWithCode(): string {
  const d = tempDir();
  dirs.push(d);
  writeExportedGroupCode(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['bare versions', false],
  ['get-*-definition-version output (Definition-wrapped)', true],
])('a realistic exported group: %s', (_label, wrapped) => {
  it('loads every function with converted units and resolved paths', () => {
    const dir = dirWithCode();
    const file = path.join(dir, 'group.json');
    fs.writeFileSync(file, JSON.stringify(exportedGroup(wrapped), null, 2));
    const g = loadGroupFile(file);

    expect(g.file).toBe(file);
    expect(g.functions.map((f) => f.id)).toEqual(['sensor-reader-1', 'aggregator_2', 'aggregator-latest']);
    const [sensor, agg7, aggLatest] = g.functions;

    expect(sensor).toEqual({
      id: 'sensor-reader-1',
      arn: arn('sensorReader', 'prod'),
      unqualifiedArn: arn('sensorReader'),
      name: 'sensorReader',
      region: 'us-east-1',
      accountId: ACCOUNT,
      qualifier: 'prod',
      version: '3', // through Nanolambda.Aliases
      runtime: 'executable',
      runtimeId: 'arn:aws:greengrass:::runtime/function/executable',
      handler: 'sensor_reader',
      executable: path.join(dir, 'code/sensor/sensor_reader'),
      execArgs: ['--port', '8', '--name', 'living room'],
      architecture: process.arch === 'x64' ? 'x86_64' : process.arch, // this machine's, by default
      encoding: 'binary',
      pinned: true,
      timeoutMs: 25_000,
      memoryBytes: undefined, // NoContainer overrides the group's GreengrassContainer: no default limit
      isolationMode: 'NoContainer',
      environment: { SENSOR_PATH: '/dev/ttyS0', LOG_LEVEL: 'debug' },
      maxInstances: 1, // pinned
      minWarm: 0,
      maxIdleMs: 60_000,
      maxQueueSize: 1000,
      async: { maxRetries: 2, maxEventAgeMs: 21_600_000, retryDelayMs: 60_000, onFailure: undefined },
      systemLogLevel: 'INFO',
      maxProcesses: 1024,
      cpuWeight: 100,
      codeRoot: path.join(dir, 'code/sensor'),
      runAs: { uid: 1000, gid: 1000 }, // DefaultConfig
      supplementaryGids: [],
      secrets: [],
      accessSysfs: false,
      volumes: [],
      devices: [],
      maxOpenFiles: 1024,
      coreFileBytes: 0,
      tmpBytes: 16384 * 1024,
    });

    expect(agg7!.executable).toBe(path.join(dir, 'code/aggregator-v7/bin/aggregator'));
    expect(agg7!.isolationMode).toBe('GreengrassContainer'); // DefaultConfig
    expect(agg7!.memoryBytes).toBe(32768 * 1024);
    expect(agg7!.version).toBe('7');
    expect(agg7!.maxInstances).toBe(10);

    // A file code path is the executable itself (Executable is then just a name).
    expect(aggLatest!.executable).toBe(path.join(dir, 'code/aggregator-dev/aggregator'));
    expect(aggLatest!.version).toBe('$LATEST');
    expect(aggLatest!.encoding).toBe('json');
    expect(aggLatest!.timeoutMs).toBe(3000);
    expect(aggLatest!.memoryBytes).toBe(16384 * 1024); // GreengrassContainer default
    expect(aggLatest!.pinned).toBe(false);
    expect(aggLatest!.execArgs).toEqual([]);

    expect(g.subscriptions).toHaveLength(5);
    expect(g.subscriptions[0]).toEqual({
      id: 'readings-up',
      source: arn('sensorReader', 'prod'),
      subject: 'sensors/+/reading',
      target: 'cloud',
    });
    expect(g.aliases).toEqual(new Map([[arn('sensorReader', 'prod'), '3']]));
    expect(g.http).toEqual({ host: '0.0.0.0', port: 9001 });
    expect(g.logDir).toBe(path.join(dir, 'var/log'));
  });
});

describe('defaults of the Nanolambda section and optional parts', () => {
  function minimal(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    writeScript(dir, 'fn');
    return {
      FunctionDefinitionVersion: {
        Functions: [{ Id: 'f', FunctionArn: arn('f', '1'), FunctionConfiguration: { Executable: 'fn' } }],
      },
      Nanolambda: { Code: { [arn('f', '1')]: 'fn' }, ...extra },
    };
  }

  it('defaults Http to 127.0.0.1:3001, LogDir to <config dir>/logs, no subscriptions', () => {
    const dir = tempDir();
    dirs.push(dir);
    const g = parseGroup(minimal(dir), 'g.json', dir);
    expect(g.http).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(g.logDir).toBe(path.join(dir, 'logs'));
    expect(g.subscriptions).toEqual([]);
    expect(g.aliases.size).toBe(0);
    const fn = g.functions[0]!;
    expect(fn.encoding).toBe('binary'); // executables: binary unless told
    expect(fn.isolationMode).toBe('GreengrassContainer');
    expect(fn.memoryBytes).toBe(16 * 1024 * 1024);
    expect(fn.maxInstances).toBe(10);
  });

  it('Http false disables the endpoint; Port 0 and MaxInstances are accepted', () => {
    const dir = tempDir();
    dirs.push(dir);
    expect(parseGroup(minimal(dir, { Http: false }), 'g.json', dir).http).toBeUndefined();
    const g = parseGroup(minimal(dir, { Http: { Port: 0 }, Functions: { [arn('f', '1')]: { MaxInstances: 3 } } }), 'g.json', dir);
    expect(g.http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(g.functions[0]!.maxInstances).toBe(3);
  });

  it('scheduling, async and runtime-wide settings are read with their units', () => {
    const dir = tempDir();
    dirs.push(dir);
    const settings = {
      MaxInstances: 4,
      MinWarm: 2,
      MaxIdleTimeInSeconds: 30,
      MaxQueueSize: 7,
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 120,
      RetryDelaySeconds: 0.25,
      OnFailure: { File: 'dead/letters.jsonl' },
    };
    const g = parseGroup(
      minimal(dir, {
        Functions: { [arn('f', '1')]: settings },
        Runtime: { MaxConcurrentWorkers: 3, ShutdownGraceSeconds: 1 },
        LogRotation: { MaxBytes: 4096, Files: 2 },
        StateDir: 'var/state',
      }),
      'g.json',
      dir,
    );
    const fn = g.functions[0]!;
    expect([fn.maxInstances, fn.minWarm, fn.maxIdleMs, fn.maxQueueSize]).toEqual([4, 2, 30_000, 7]);
    expect(fn.async).toEqual({ maxRetries: 0, maxEventAgeMs: 120_000, retryDelayMs: 250, onFailure: { kind: 'file', path: path.join(dir, 'dead/letters.jsonl') } });
    expect([g.maxConcurrentWorkers, g.shutdownGraceMs, g.stateDir]).toEqual([3, 1000, path.join(dir, 'var/state')]);
    expect(g.logRotation).toEqual({ maxBytes: 4096, files: 2 });
  });

  it('defaults follow Greengrass V2 and Lambda', () => {
    const dir = tempDir();
    dirs.push(dir);
    const g = parseGroup(minimal(dir, {}), 'g.json', dir);
    const fn = g.functions[0]!;
    expect([fn.maxInstances, fn.minWarm, fn.maxIdleMs, fn.maxQueueSize]).toEqual([10, 0, 60_000, 1000]);
    expect(fn.async).toEqual({ maxRetries: 2, maxEventAgeMs: 21_600_000, retryDelayMs: 60_000, onFailure: undefined });
    expect([g.maxConcurrentWorkers, g.shutdownGraceMs, g.stateDir]).toEqual([25, 5000, path.join(dir, 'state')]);
  });

  it('an absolute code path and LogDir are used as is', () => {
    const dir = tempDir();
    const other = tempDir();
    dirs.push(dir, other);
    const exe = writeScript(other, 'abs-exe');
    const json = minimal(dir, { LogDir: path.join(other, 'logs') });
    (json.Nanolambda as { Code: Record<string, string> }).Code[arn('f', '1')] = exe;
    const g = parseGroup(json, 'g.json', dir);
    expect(g.functions[0]!.executable).toBe(exe);
    expect(g.logDir).toBe(path.join(other, 'logs'));
  });

  it('an unmapped alias entry runs $LATEST; a mapped one its version', () => {
    const dir = tempDir();
    dirs.push(dir);
    writeScript(dir, 'fn');
    const g = parseGroup(
      {
        FunctionDefinitionVersion: {
          Functions: [
            { Id: 'a', FunctionArn: arn('f', 'dev'), FunctionConfiguration: { Executable: 'fn' } },
            { Id: 'b', FunctionArn: arn('f', 'prod'), FunctionConfiguration: { Executable: 'fn' } },
          ],
        },
        Nanolambda: {
          Code: { [arn('f', 'dev')]: 'fn', [arn('f', 'prod')]: 'fn' },
          Aliases: { [arn('f', 'prod')]: '4' },
        },
      },
      'g.json',
      dir,
    );
    expect(g.functions.map((f) => f.version)).toEqual(['$LATEST', '4']);
  });

  it('a UTF-8 BOM at the start of the file is ignored', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'g.json');
    fs.writeFileSync(file, '\ufeff' + JSON.stringify(minimal(dir)));
    expect(loadGroupFile(file).functions).toHaveLength(1);
  });
});
