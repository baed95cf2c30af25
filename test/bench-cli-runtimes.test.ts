// `nanolambda bench` against every runtime kind: a Python function, a
// Node.js function (both EncodingType json) and a custom runtime (provided.al2,
// a bash bootstrap on the Lambda Runtime API), through the TS API, the local
// HTTP endpoint and C-to-C gg_invoke; worker memory of the process workers;
// and the payload rules of json functions.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/bench/report';
import { cli as runCli, ensureBuilt, startCli, type Run, type StartedCli } from './helpers/cli';
import { useRuntime } from './helpers/group-edit';
import { arnOf, ensureSdk, examplesDir, tempDir, writeGroup, type TestFunction } from './helpers/sdk';

function missingTool(): string | undefined {
  try {
    ensureSdk();
  } catch (error) {
    return `the SDK could not be built: ${(error as Error).message}`;
  }
  for (const [tool, args] of [['python3', ['--version']], ['bash', ['--version']], ['curl', ['--version']]] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (the Python function and the bash bootstrap need python3, bash and curl)`;
    }
  }
  return undefined;
}
const missing = missingTool();
if (missing) console.warn(`skipping the bench runtime-kind tests: ${missing}`);

/** The functions, by runtime kind: each echoes its event. The bash bootstrap runs curl twice a call: few calls. */
const KINDS = [
  { name: 'py-echo', runtime: 'python3.11', handler: 'echo.handler', encoding: 'json', count: 60 },
  { name: 'node-echo', runtime: 'nodejs20.x', handler: 'index.handler', encoding: 'json', count: 60 },
  { name: 'bash-rt', runtime: 'provided.al2', handler: 'index.handler', encoding: 'binary', count: 8 },
] as const;

describe.skipIf(missing !== undefined)('nanolambda bench against each runtime kind', () => {
  let dir: string;
  let group: string;
  let started: StartedCli;

  const cli = (args: string[]): Promise<Run> => runCli(args, { cwd: dir, timeoutMs: 120_000 });
  const report = (r: Run): BenchReport => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as BenchReport;
  };
  /** What every clean run must show, whatever the kind and entry point. */
  const expectSane = (r: BenchReport, invocations: number): void => {
    expect(r.invocations).toBe(invocations);
    expect(r.errors).toEqual({ functionErrors: 0, firstFunctionError: null, failedRequests: 0, firstFailedRequest: null });
    expect(r.coldStart.outcome).toBe('ok');
    expect(r.coldStart.latencyUs).toBeGreaterThan(0);
    expect(r.latencyUs.min).toBeGreaterThan(0);
    expect(r.latencyUs.p50).toBeLessThanOrEqual(r.latencyUs.p99);
    expect(r.throughputPerS).toBeGreaterThan(0);
    // Process workers (python3, node, bash) report their memory like executables do.
    if (!('workers' in r.memory)) throw new Error(`no memory figures: ${r.memory.unavailable}`);
    expect(r.memory.workers.length).toBeGreaterThanOrEqual(1);
    expect(r.memory.totalRssKb).toBeGreaterThan(0);
    expect(r.memory.maxPeakRssKb).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir('bench-cli-runtimes');
    const code = (name: string, files: Record<string, string>): string => {
      const where = path.join(dir, name);
      fs.mkdirSync(where);
      for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(where, file), text, { mode: 0o755 });
      return where;
    };
    const bootstrap = fs.readFileSync(path.join(__dirname, 'fixtures', 'runtime-api', 'bootstrap.sh'), 'utf8');
    const fns: TestFunction[] = [
      { name: 'py-echo', executable: code('py-code', { 'echo.py': 'def handler(event, context):\n    return event\n' }), maxInstances: 2 },
      { name: 'node-echo', executable: code('node-code', { 'index.js': 'exports.handler = async (event) => event;\n' }), maxInstances: 2 },
      { name: 'bash-rt', executable: code('bash-code', { bootstrap }), maxInstances: 2 },
      { name: 'echo', executable: path.join(examplesDir, 'echo') },
    ];
    group = writeGroup(dir, fns, [], { Http: { Host: '127.0.0.1', Port: 0 } });
    // writeGroup writes binary executables; make the three Lambda functions what they are (json is their default encoding).
    for (const kind of KINDS) {
      useRuntime(group, kind.runtime, new Map([[arnOf(fns.find((f) => f.name === kind.name)!), kind.handler]]));
    }
    const json = JSON.parse(fs.readFileSync(group, 'utf8'));
    for (const entry of json.FunctionDefinitionVersion.Functions) {
      const kind = KINDS.find((k) => entry.Id === k.name);
      if (kind) entry.FunctionConfiguration.EncodingType = kind.encoding;
    }
    fs.writeFileSync(group, JSON.stringify(json, null, 2));
    started = await startCli([group, '--port', '0'], dir);
  }, 120_000);

  afterAll(async () => {
    if (started === undefined) return;
    started.child.kill('SIGTERM');
    await started.exited;
  });

  /** The group for a runtime started in the bench's process: its own state directory (the CLI runtime holds the group's) and no endpoint. */
  const inProcessGroup = (tag: string): string => {
    const file = path.join(dir, `${tag}.json`);
    const json = JSON.parse(fs.readFileSync(group, 'utf8'));
    json.Nanolambda = { ...json.Nanolambda, Http: false, StateDir: path.join(dir, `${tag}-state`) };
    fs.writeFileSync(file, JSON.stringify(json));
    return file;
  };

  it.each(KINDS.map((k) => [k.name, k.runtime, k.count]))('drives %s (%s) through the TS API', async (name, _runtime, count) => {
    const apiGroup = inProcessGroup(`api-${name}`);
    const r = report(await cli(['bench', name, apiGroup, '--via', 'api', '--count', String(count), '--concurrency', '2', '--warmup', '2', '--json']));
    expect(r.via).toBe('api');
    expect(r.coldStart.workerExisted).toBe(false);
    expectSane(r, count);
  }, 120_000);

  it.each(KINDS.map((k) => [k.name, k.runtime, k.count]))('drives %s (%s) through the local HTTP endpoint', async (name, _runtime, count) => {
    const r = report(await cli(['bench', name, group, '--endpoint', started.endpoint, '--count', String(count), '--concurrency', '2', '--warmup', '2', '--json']));
    expect(r.via).toBe('http');
    expectSane(r, count);
  }, 120_000);

  it.each([['py-echo'], ['node-echo']])('drives %s C-to-C with gg_invoke', async (name) => {
    const ggGroup = inProcessGroup(`gg-${name}`);
    const r = report(await cli(['bench', name, ggGroup, '--via', 'gg-invoke', '--count', '60', '--concurrency', '2', '--warmup', '4', '--json']));
    expect(r.via).toBe('gg-invoke');
    expect(r.coldStart.workerExisted).toBe(false);
    expectSane(r, 60);
    expect(r.timeline.reduce((n, s) => n + s.count, 0)).toBe(60);
    // Both invokers called at once: both of the function's instances served.
    if (!('workers' in r.memory)) throw new Error(`no memory figures: ${r.memory.unavailable}`);
    expect(r.memory.workers.length).toBe(2);
  }, 120_000);

  it('sends a json function a JSON payload of the asked size, takes JSON given as is, and refuses anything else', async () => {
    // --payload-size: a JSON string of exactly that many bytes, which a json function parses.
    const sized = report(await cli(['bench', 'py-echo', group, '--endpoint', started.endpoint, '--payload-size', '1000', '--count', '10', '--json']));
    expect(sized.payloadBytes).toBe(1000);
    expect(sized.errors.functionErrors).toBe(0);
    const given = report(await cli(['bench', 'node-echo', group, '--endpoint', started.endpoint, '--payload', '{"a":[1,2]}', '--count', '10', '--json']));
    expect(given.errors.functionErrors).toBe(0);

    const text = await cli(['bench', 'node-echo', group, '--endpoint', started.endpoint, '--payload', 'not json', '--count', '10']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("option '--payload': 'node-echo' takes JSON (its EncodingType is json) and this payload is not JSON");
    expect(text.stderr).toContain('--payload-size N');
    const file = path.join(dir, 'bytes.bin');
    fs.writeFileSync(file, Buffer.from([0xff, 0xfe, 0x00]));
    const bytes = await cli(['bench', 'py-echo', inProcessGroup('api-bytes'), '--via', 'api', '--payload-file', file, '--count', '10']);
    expect(bytes.code).toBe(2);
    expect(bytes.stderr).toContain(`option '--payload-file' ${file}: 'py-echo' takes JSON (its EncodingType is json) and this payload is not JSON (it is not UTF-8)`);
    // A binary function takes any bytes.
    const binary = report(await cli(['bench', 'bash-rt', group, '--endpoint', started.endpoint, '--payload', 'not json', '--count', '2', '--warmup', '0', '--json']));
    expect(binary.errors.functionErrors).toBe(0);
  }, 120_000);
});
