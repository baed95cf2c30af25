// The public AWS IoT Greengrass Core SDK for C examples build, unchanged,
// against our installed SDK with find_package(aws-greengrass-core-sdk-c),
// and run on our library. Needs a checkout of the public SDK named by
// NANOLAMBDA_PUBLIC_SDK_C (we never vendor its source).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import { addSecret } from './helpers/group-edit';
import { arnOf, writeGroup, type TestFunction } from './helpers/sdk';
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

  // The same executables, unchanged, as functions of a group on our Runtime.
  describe('on the nanolambda Runtime', () => {
    // invoker.c hard-codes arn:aws:lambda:us-west-2:123456789012:function:Invokee:1
    // (qualifier "1"), so the group lives in that region and account.
    const WEST = 'arn:aws:lambda:us-west-2:123456789012:function:';
    const FOO_SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:foo-Ab12Cd';
    let rt: Runtime | undefined;
    let dir = '';
    let fns: Record<string, TestFunction> = {};
    // Every publish since the runtime started (the pinned hello_world starts
    // publishing as soon as it runs).
    const published: PublishEvent[] = [];

    beforeAll(async () => {
      dir = tempDir('csdk-public-rt-');
      const fn = (name: string, target: string, extra: Partial<TestFunction> = {}): TestFunction => ({
        name,
        executable: join(build, target),
        arnPrefix: WEST,
        ...extra,
      });
      fns = {
        simple: fn('simple_handler', 'simple_handler'),
        listener: fn('listener', 'simple_handler'),
        invoker: fn('invoker', 'invoker'),
        invokee: fn('Invokee', 'invokee'),
        hello: fn('hello_world', 'hello_world_example', { pinned: true }),
        publish: fn('publish', 'publish_example'),
        shadow: fn('shadow', 'shadow_example'),
        secrets: fn('secretsmanager', 'secretsmanager_example'),
        stranger: fn('secretsmanager_stranger', 'secretsmanager_example'),
      };
      const group = writeGroup(dir, Object.values(fns), [
        { source: arnOf(fns.hello!), subject: 'hello/world', target: arnOf(fns.listener!) },
        { source: arnOf(fns.publish!), subject: 'to/cloud', target: 'cloud' },
        // As Greengrass requires: the shadow example reaches GGShadowService through a subscription.
        { source: arnOf(fns.shadow!), subject: '$aws/things/foo/shadow/#', target: 'GGShadowService' },
      ]);
      writeFileSync(join(dir, 'foo-value'), 'bar');
      addSecret(group, { id: 'foo', arn: FOO_SECRET, valueFile: 'foo-value' }, [arnOf(fns.secrets!)]);
      rt = await Runtime.start({ group, http: false });
      rt.messages.on('publish', (e: PublishEvent) => published.push(e));
    });

    afterAll(async () => {
      await rt?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The function's log, once it matches (logs are written asynchronously). */
    async function logOf(name: string, match: RegExp, ms = 5000): Promise<string> {
      const file = rt!.logPathOf(name);
      const deadline = Date.now() + ms;
      let text = '';
      for (;;) {
        text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        if (match.test(text) || Date.now() > deadline) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('simple_handler: reads the payload and logs it', async () => {
      const res = await rt!.invoke('simple_handler', 'hello from the test');
      expect(res.statusCode).toBe(200);
      expect(res.functionError).toBeUndefined();
      const log = await logOf('simple_handler', /Received message/);
      expect(log).toContain('[INFO]-Received message: [hello from the test] size: [19]');
      expect(log).toContain(`[INFO]-function arn: [${arnOf(fns.simple!)}]`);
    });

    it('invoker: gg_invoke of the hard-coded Invokee ARN gets "hello world"', async () => {
      const res = await rt!.invoke('invoker', '');
      expect(res.statusCode).toBe(200);
      expect(res.functionError).toBeUndefined();
      const log = await logOf('invoker', /Response: |invocation failed|gg_invoke failed/);
      expect(log).toMatch(/\[INFO\]-Response: hello world read: 11\n/);
      expect(log).not.toMatch(/\[ERROR\]/);
      // The invokee saw the invoker's client context and returned its output.
      const invokeeLog = await logOf('Invokee', /Return output/);
      expect(invokeeLog).toContain('[INFO]-Return output: hello world size: 11');
      expect(invokeeLog).toContain('[INFO]-Client context: eyAiY3VzdG9tIjp7ICJ2YWx1ZSI6ICJrZXkiIH19');
    });

    it('hello_world (pinned, GG_RT_OPT_ASYNC): publishes "hello world!" to hello/world from main', async () => {
      const isHello = (e: PublishEvent) => e.topic === 'hello/world';
      const event =
        published.find(isHello) ??
        (await new Promise<PublishEvent | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 10_000);
          rt!.messages.on('publish', function on(e: PublishEvent) {
            if (!isHello(e)) return;
            clearTimeout(timer);
            rt!.messages.off('publish', on);
            resolve(e);
          });
        }));
      expect(event, 'no publish on hello/world within 10 s').toBeDefined();
      expect(event!.source).toBe(arnOf(fns.hello!));
      // sizeof(message): the text and its NUL.
      expect(event!.payload.toString('latin1')).toBe('hello world!\0');
      expect(event!.targets).toEqual([arnOf(fns.listener!)]);
      expect(event!.undelivered).toEqual([]);
      // The subscriber ran with it.
      expect(await logOf('listener', /Received message/)).toMatch(/Received message: \[hello world!/);
    }, 15_000);

    it('publish: ALL_OR_ERROR publish of its 100-byte buffer to to/cloud', async () => {
      const before = published.length;
      const res = await rt!.invoke('publish', 'anything', { logType: 'Tail' });
      expect(res.statusCode).toBe(200);
      expect(res.functionError).toBeUndefined();
      const event = published.slice(before).find((e) => e.topic === 'to/cloud');
      expect(event).toBeDefined();
      expect(event!.source).toBe(arnOf(fns.publish!));
      const payload = event!.payload.toString('latin1');
      expect(payload).toHaveLength(100);
      expect(payload).toMatch(new RegExp(`^hello from: ${arnOf(fns.publish!)}\\0+$`));
      // The cloud is not served yet: reported, not delivered.
      expect(event!.targets).toEqual([]);
      expect(event!.undelivered).toEqual(['cloud']);
      // It logs only when the publish fails or request_status is not SUCCESS.
      const tail = Buffer.from(res.logResult ?? '', 'base64').toString();
      expect(tail).toMatch(/END RequestId: /);
      expect(tail).not.toMatch(/\[ERROR\]/);
    });

    it('shadow: updates thing "foo" and gets it back, printing the documented documents', async () => {
      const res = await rt!.invoke('shadow', '');
      expect(res.statusCode).toBe(200);
      expect(res.functionError).toBeUndefined();
      const log = await logOf('shadow', /get_thing_shadow succeeded/);
      expect(log).toContain('[INFO]-gg_update_thing_shadow had result request_status 0');
      const update = /\[INFO\]-update_thing_shadow succeed\. response: (.*)/.exec(log)?.[1];
      expect(JSON.parse(update!)).toEqual({
        state: { desired: { mode: 'OFF' } },
        metadata: { desired: { mode: { timestamp: expect.any(Number) } } },
        version: 1,
        timestamp: expect.any(Number),
      });
      expect(log).toContain('[INFO]-gg_get_thing_shadow had result request_status 0');
      const got = /\[INFO\]-get_thing_shadow succeeded\. response: (.*)/.exec(log)?.[1];
      expect(JSON.parse(got!)).toEqual({
        state: { desired: { mode: 'OFF' }, delta: { mode: 'OFF' } },
        metadata: { desired: { mode: { timestamp: expect.any(Number) } } },
        version: 1,
        timestamp: expect.any(Number),
      });
      expect(log).not.toMatch(/failed|Failed to read/);
    });

    it('secretsmanager: gets secret "foo" it is affiliated with, GetSecretValue-shaped', async () => {
      const res = await rt!.invoke('secretsmanager', '');
      expect(res.statusCode).toBe(200);
      expect(res.functionError).toBeUndefined();
      const log = await logOf('secretsmanager', /get_secret_value succeeded/);
      expect(log).toContain('[INFO]-gg_get_secret_value had result request_status 0');
      const body = /\[INFO\]-get_secret_value succeeded\. response: (.*)/.exec(log)?.[1];
      expect(JSON.parse(body!)).toEqual({
        ARN: FOO_SECRET,
        Name: 'foo',
        VersionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        SecretString: 'bar',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: expect.any(Number),
      });
    });

    it('secretsmanager: a function not affiliated with "foo" is refused with a {Status, Message} error', async () => {
      await rt!.invoke('secretsmanager_stranger', '');
      const log = await logOf('secretsmanager_stranger', /get_secret_value failed/);
      expect(log).toContain('[INFO]-gg_get_secret_value had result request_status 1');
      expect(log, log).toMatch(/\[ERROR\]-get_secret_value failed\. error message: \{"Status":401,"Message":".*is not affiliated with secret \\"foo\\".*"\}/);
    });
  });
});
