// Shared by the config/registry/router tests: temp dirs with real
// executables (shell scripts), and a realistic Greengrass group export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionSpec } from '../src/config/types';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-config-'));
}

/** A shell script at dir/rel with the given mode (0755 = executable). */
export function writeScript(dir: string, rel: string, mode = 0o755): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\ncat\n');
  fs.chmodSync(file, mode);
  return file;
}

export const ACCOUNT = '123456789012';
export const arn = (name: string, q?: string, region = 'us-east-1', account = ACCOUNT): string =>
  `arn:aws:lambda:${region}:${account}:function:${name}${q === undefined ? '' : `:${q}`}`;

/** A group as `aws greengrass get-function-definition-version` etc. return it, with the Nanolambda section. */
export function exportedGroup(wrapped: boolean): Record<string, unknown> {
  const functions = {
    DefaultConfig: { Execution: { IsolationMode: 'GreengrassContainer', RunAs: { Uid: 1000, Gid: 1000 } } },
    Functions: [
      {
        Id: 'sensor-reader-1',
        FunctionArn: arn('sensorReader', 'prod'),
        FunctionConfiguration: {
          EncodingType: 'binary',
          Environment: {
            AccessSysfs: false,
            Execution: { IsolationMode: 'NoContainer' },
            ResourceAccessPolicies: [],
            Variables: { SENSOR_PATH: '/dev/ttyS0', LOG_LEVEL: 'debug' },
          },
          ExecArgs: '--port 8 --name "living room"',
          Executable: 'sensor_reader',
          Pinned: true,
          Timeout: 25,
        },
      },
      {
        Id: 'aggregator_2',
        FunctionArn: arn('aggregator', '7'),
        FunctionConfiguration: {
          Environment: { Variables: {} },
          Executable: 'bin/aggregator',
          MemorySize: 32768,
          Pinned: false,
          Timeout: 3,
        },
      },
      {
        Id: 'aggregator-latest',
        FunctionArn: arn('aggregator', '$LATEST'),
        FunctionConfiguration: { Executable: 'aggregator', EncodingType: 'json' },
      },
    ],
  };
  const subscriptions = {
    Subscriptions: [
      { Id: 'readings-up', Source: arn('sensorReader', 'prod'), Subject: 'sensors/+/reading', Target: 'cloud' },
      { Id: 'readings-local', Source: arn('sensorReader', 'prod'), Subject: 'sensors/#', Target: arn('aggregator', '7') },
      { Id: 'cmd', Source: 'cloud', Subject: 'commands/sensor', Target: arn('sensorReader', 'prod') },
      {
        Id: 'device',
        Source: `arn:aws:iot:us-east-1:${ACCOUNT}:thing/kitchen-sensor`,
        Subject: 'devices/kitchen/#',
        Target: arn('aggregator', '7'),
      },
      { Id: 'shadow', Source: 'GGShadowService', Subject: '$aws/things/kitchen-sensor/shadow/update/accepted', Target: arn('aggregator', '7') },
    ],
  };
  const wrap = (kind: string, def: unknown) =>
    wrapped
      ? {
          Arn: `arn:aws:greengrass:us-east-1:${ACCOUNT}:/greengrass/definition/${kind}/4f1c/versions/9a2e`,
          CreationTimestamp: '2021-03-04T10:20:30.000Z',
          Definition: def,
          Id: '4f1c',
          Version: '9a2e',
        }
      : def;
  return {
    FunctionDefinitionVersion: wrap('functions', functions),
    SubscriptionDefinitionVersion: wrap('subscriptions', subscriptions),
    ResourceDefinitionVersion: wrap('resources', { Resources: [] }),
    LoggerDefinitionVersion: { Loggers: [] },
    Nanolambda: {
      Code: {
        [arn('sensorReader', 'prod')]: 'code/sensor',
        [arn('aggregator', '7')]: 'code/aggregator-v7',
        [arn('aggregator', '$LATEST')]: 'code/aggregator-dev/aggregator',
      },
      Aliases: { [arn('sensorReader', 'prod')]: '3' },
      Http: { Host: '0.0.0.0', Port: 9001 },
      LogDir: 'var/log',
    },
  };
}

/** Create the executables exportedGroup() refers to, under dir. */
export function writeExportedGroupCode(dir: string): void {
  writeScript(dir, 'code/sensor/sensor_reader');
  writeScript(dir, 'code/aggregator-v7/bin/aggregator');
  writeScript(dir, 'code/aggregator-dev/aggregator');
}

/** A FunctionSpec for registry/router tests that need no files. */
export function spec(fnArn: string, version?: string): FunctionSpec {
  const parts = fnArn.split(':');
  const qualifier = parts[7]!;
  return {
    id: `${parts[6]}-${qualifier}`.replace('$', ''),
    arn: fnArn,
    unqualifiedArn: parts.slice(0, 7).join(':'),
    name: parts[6]!,
    region: parts[3]!,
    accountId: parts[4]!,
    qualifier,
    version: version ?? qualifier,
    runtime: 'executable',
    runtimeId: 'arn:aws:greengrass:::runtime/function/executable',
    handler: 'true',
    executable: '/bin/true',
    execArgs: [],
    architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    encoding: 'binary',
    pinned: false,
    timeoutMs: 3000,
    memoryBytes: undefined,
    isolationMode: 'NoContainer',
    environment: {},
    maxInstances: 10,
    minWarm: 0,
    maxIdleMs: 60_000,
    maxQueueSize: 1000,
    async: { maxRetries: 2, maxEventAgeMs: 21_600_000, retryDelayMs: 60_000, onFailure: undefined },
    systemLogLevel: 'INFO',
    maxProcesses: 1024,
    cpuWeight: 100,
    codeRoot: '/bin/true',
    runAs: { uid: 65534, gid: 65534 },
    supplementaryGids: [],
    secrets: [],
    accessSysfs: false,
    volumes: [],
    devices: [],
    maxOpenFiles: 1024,
    coreFileBytes: 0,
    tmpBytes: 16384 * 1024,
  };
}
