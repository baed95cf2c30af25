// The public AWS IoT Greengrass Core SDK for C examples build, unchanged,
// against our installed SDK with find_package(aws-greengrass-core-sdk-c),
// and run on our library. Needs a checkout of the public SDK named by
// NANOLAMBDA_PUBLIC_SDK_C (we never vendor its source).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHarness,
  ensureSdk,
  hasTool,
  results,
  run,
  runHarness,
  sdk,
  tempDir,
} from './fixtures/csdk-build';

const publicSdk = process.env.NANOLAMBDA_PUBLIC_SDK_C ?? '';
const exampleDir = join(publicSdk, 'aws-greengrass-core-sdk-c-example');
const skipReason = !publicSdk
  ? 'NANOLAMBDA_PUBLIC_SDK_C is not set (point it at a checkout of aws/aws-greengrass-core-sdk-c)'
  : !existsSync(join(exampleDir, 'CMakeLists.txt'))
    ? `no aws-greengrass-core-sdk-c-example/CMakeLists.txt under ${publicSdk}`
    : !hasTool('cmake') || !hasTool('cc')
      ? 'cmake or cc is missing'
      : '';
if (skipReason) console.warn(`csdk-public-examples skipped: ${skipReason}`);

// Every example target of the public CMakeLists except the TES one, which
// needs the AWS C++ SDK and is skipped by its own CMakeLists.
const targets = [
  'simple_handler',
  'publish_example',
  'invoker',
  'invokee',
  'shadow_example',
  'hello_world_example',
  'secretsmanager_example',
];

describe.skipIf(skipReason !== '')('public C SDK examples on our SDK', () => {
  let build = '';

  beforeAll(() => {
    ensureSdk();
    build = tempDir('csdk-public-');
    run('cmake', ['-S', exampleDir, '-B', build, `-DCMAKE_PREFIX_PATH=${sdk}`]);
    run('cmake', ['--build', build, '--parallel', '2']);
  });

  afterAll(() => {
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it('builds and links every example except TES, with a RUNPATH to our lib', () => {
    for (const t of targets) {
      const exe = join(build, t);
      expect(existsSync(exe), `${t} was not built`).toBe(true);
      const dyn = run('readelf', ['-d', exe]);
      expect(dyn).toContain('[libaws-greengrass-core-sdk-c.so]');
      expect(dyn).toMatch(/\(RUNPATH\).*\/sdk\/lib/);
      expect(dyn).not.toContain('(RPATH)');
    }
  });

  it('runs the publish example: ALL_OR_ERROR publish of 100 bytes to to/cloud', () => {
    const events = runHarness(buildHarness(build), join(build, 'publish_example'), [
      'invoke - ',
      'sigterm',
    ], {
      env: { MY_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:pub:1' },
    });
    const req = events.find((e) => e.event === 'request');
    expect(req).toMatchObject({ call: 'publish', topic: 'to/cloud', policy: 1 });
    // The example sends its whole 100-byte buffer: the text, then NULs.
    const payload = String(req?.payload);
    expect(payload).toHaveLength(100);
    expect(payload).toMatch(/^hello from: arn:aws:lambda:us-east-1:123456789012:function:pub:1\0+$/);
    expect(results(events)).toHaveLength(1);
    expect(events.find((e) => e.event === 'exit')).toMatchObject({ code: 0 });
  });

  it('runs the invokee example and returns its "<payload> world" response', () => {
    const events = runHarness(buildHarness(build), join(build, 'invokee'), ['invoke - ping', 'close']);
    const [res] = results(events);
    expect(res).toMatchObject({ status: 0 });
    // It answers "<payload> world" (how many bytes it writes is its choice).
    expect(String(res.payload)).toMatch(/^ping world/);
    expect(events.find((e) => e.event === 'exit')).toMatchObject({ code: 0 });
  });
});
