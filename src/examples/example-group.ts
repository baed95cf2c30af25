// The built-in example group: the C SDK's example executables (in the SDK's
// libexec/nanolambda/examples/, built or prebuilt), wired the way a
// Greengrass group would be. `nanolambda start` with no file and
// `nanolambda demo` run it. It goes through parseGroup like a user's file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGroup } from '../config/load-group';
import type { GroupConfig } from '../config/types';
import { NanolambdaError } from '../errors';
import { packageRoot } from '../native/binding';
import { findSdkDir } from '../native/sdk-location';

export const EXAMPLE_NAMES = ['echo', 'publisher', 'invoker', 'invokee', 'crasher', 'hanger', 'allocator', 'counter'] as const;
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

/** Where the C SDK in use (a local build, else the prebuilt one) holds the example executables. */
export function exampleExecutablesDir(): string {
  return path.join(findSdkDir() ?? path.join(packageRoot, 'sdk'), 'libexec', 'nanolambda', 'examples');
}

export function exampleArn(name: ExampleName, qualifier = '1'): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${name}:${qualifier}`;
}

/**
 * The example group as a group-file JSON object. Code paths are absolute so
 * the object can be written to a file anywhere and loaded with loadGroupFile.
 */
export function exampleGroupJson(): object {
  const dir = exampleExecutablesDir();
  const functionOf = (name: ExampleName, extra: { Timeout?: number; Variables?: Record<string, string> } = {}) => ({
    Id: `example-${name}`,
    FunctionArn: exampleArn(name),
    FunctionConfiguration: {
      Executable: name,
      EncodingType: 'binary',
      Timeout: extra.Timeout ?? 3,
      Pinned: false,
      Environment: {
        Execution: { IsolationMode: 'NoContainer' },
        ...(extra.Variables ? { Variables: extra.Variables } : {}),
      },
    },
  });
  return {
    FunctionDefinitionVersion: {
      DefaultConfig: { Execution: { IsolationMode: 'NoContainer' } },
      Functions: [
        functionOf('echo'),
        functionOf('publisher', { Variables: { PUBLISH_TOPIC: 'demo/events' } }),
        functionOf('invoker', { Variables: { INVOKEE_ARN: exampleArn('invokee') } }),
        functionOf('invokee'),
        functionOf('crasher'),
        functionOf('hanger', { Timeout: 1 }),
        functionOf('allocator'),
        functionOf('counter'),
      ],
    },
    SubscriptionDefinitionVersion: {
      Subscriptions: [
        { Id: 'publisher-to-counter', Source: exampleArn('publisher'), Subject: 'demo/#', Target: exampleArn('counter') },
        { Id: 'publisher-to-echo', Source: exampleArn('publisher'), Subject: 'demo/events', Target: exampleArn('echo') },
      ],
    },
    Nanolambda: {
      Code: Object.fromEntries(EXAMPLE_NAMES.map((name) => [exampleArn(name), path.join(dir, name)])),
      Aliases: { [exampleArn('echo', 'live')]: '1' },
      Http: { Host: '127.0.0.1', Port: 3001 },
      // The install dir may be read-only (a global npm install): log elsewhere.
      LogDir: path.join(os.tmpdir(), 'nanolambda-example', 'logs'),
      StateDir: path.join(os.tmpdir(), 'nanolambda-example', 'state'),
    },
  };
}

/**
 * The validated example group. Throws NanolambdaError NATIVE_UNAVAILABLE
 * when the example executables have not been built.
 */
export function loadExampleGroup(): GroupConfig {
  const dir = exampleExecutablesDir();
  const missing = EXAMPLE_NAMES.filter((name) => !isExecutableFile(path.join(dir, name)));
  if (missing.length > 0) {
    throw new NanolambdaError(
      'NATIVE_UNAVAILABLE',
      `The example executables are not built (missing in ${dir}: ${missing.join(', ')}): run \`npm install\` (or \`npm run build:csdk\`) in ${packageRoot}`,
    );
  }
  return parseGroup(exampleGroupJson(), '<built-in>', dir);
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
