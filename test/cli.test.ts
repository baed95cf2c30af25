// The compiled `nanolambda` bin run as a real process: usage errors, config
// errors, `invoke` against a real endpoint, and start/invoke/demo end to end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvokeServer, type InvokeServer } from '../src/api/invoke-server';
import { NanolambdaError } from '../src/errors';
import type { InvokeOptions, InvokeResult, Invoker } from '../src/invoke-types';
import { cli as runCli, ensureBuilt, startCli, type Run } from './helpers/cli';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-cli-'));

function cli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return runCli(args, { cwd: tmp, ...opts });
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  ensureBuilt();
}, 180_000);
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('usage', () => {
  it('prints the commands and exits 2 without a command', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: nanolambda <command>');
    for (const c of ['start', 'invoke', 'demo']) expect(r.stderr).toContain(c);
  });

  it('--help exits 0, for the tool and every command', async () => {
    expect((await cli(['--help'])).code).toBe(0);
    for (const c of ['start', 'invoke', 'demo']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: nanolambda ${c}`);
    }
  });

  it('rejects an unknown command with exit 2 and the usage', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain('Usage: nanolambda');
  });

  it.each([
    [['invoke', 'echo', '--bogus'], "unknown option '--bogus'"],
    [['start', '--port'], "'--port' needs a value"],
    [['start', '--port', '70000'], "'70000' is not an integer from 0 to 65535"],
    [['invoke'], 'missing <function>'],
    [['invoke', 'echo', 'a', 'b'], "unexpected argument 'b'"],
    [['invoke', 'echo', '--type', 'Later'], "'Later' is not one of RequestResponse, Event, DryRun"],
    [['invoke', 'echo', '--endpoint', 'ftp://x'], 'only http://'],
    [['demo', 'extra'], "unexpected argument 'extra'"],
    [['deploy'], 'deploy needs the group file to deploy'],
  ])('%j -> exit 2: %s', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('says how to start a runtime when nothing listens', async () => {
    const r = await cli(['invoke', 'echo', '{}', '--endpoint', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no nanolambda listening on http://127.0.0.1:9');
    expect(r.stderr).toContain('nanolambda start');
  });
});

describe('config errors', () => {
  it('names a missing file', async () => {
    const file = path.join(tmp, 'absent.json');
    const r = await cli(['start', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the file and position of malformed JSON', async () => {
    const file = write('broken.json', '{\n  "FunctionDefinitionVersion": \n');
    const r = await cli(['start', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/line \d+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the file, the field and the reason', async () => {
    const file = write('no-section.json', JSON.stringify({ FunctionDefinitionVersion: { Functions: [] } }));
    const r = await cli(['start', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: Nanolambda: missing`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('invoke against an endpoint', () => {
  let server: InvokeServer;
  let endpoint: string;
  const seen: { name: string; payload: Buffer; options?: InvokeOptions }[] = [];

  const invoker: Invoker = {
    async invoke(name: string, payload: Uint8Array, options?: InvokeOptions): Promise<InvokeResult> {
      seen.push({ name, payload: Buffer.from(payload), options });
      if (name === 'missing') throw new NanolambdaError('FUNCTION_NOT_FOUND', 'Function not found: missing');
      if (options?.type === 'Event') return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: '$LATEST' };
      const result: InvokeResult = { statusCode: 200, payload: Buffer.from(payload), executedVersion: '1' };
      if (name === 'crasher') {
        result.functionError = 'Unhandled';
        result.payload = Buffer.from('{"errorType":"Runtime.ExitError"}');
      }
      if (options?.logType === 'Tail') result.logResult = Buffer.from('START RequestId: r Version: 1\n').toString('base64');
      return result;
    },
  };

  beforeAll(async () => {
    server = await startInvokeServer(invoker, { host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${server.address.port}`;
  });
  afterAll(() => server.close());

  it('writes the payload to stdout and the status line to stderr', async () => {
    const r = await cli(['invoke', 'echo', '{"a":1}', '--endpoint', endpoint, '--qualifier', 'live']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"a":1}');
    expect(JSON.parse(r.stderr.trim())).toEqual({ StatusCode: 200, ExecutedVersion: '1' });
    expect(seen.at(-1)).toMatchObject({ name: 'echo', options: { qualifier: 'live' } });
  });

  it('takes an ARN, @file and stdin payloads', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:echo:1';
    const file = write('payload.bin', 'from a file');
    expect((await cli(['invoke', arn, `@${file}`, '--endpoint', endpoint])).stdout).toBe('from a file');
    expect(seen.at(-1)?.name).toBe(arn);
    expect((await cli(['invoke', 'echo', '-', '--endpoint', endpoint], { input: 'from stdin' })).stdout).toBe('from stdin');
    const missing = await cli(['invoke', 'echo', '@/nonexistent/p.json', '--endpoint', endpoint]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read payload file '/nonexistent/p.json'");
  });

  it('exits 1 on a function error and shows FunctionError', async () => {
    const r = await cli(['invoke', 'crasher', 'segv', '--endpoint', endpoint]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
  });

  it('prints the decoded log tail with --log-type Tail, and writes --output', async () => {
    const out = path.join(tmp, 'out.json');
    const r = await cli(['invoke', 'echo', 'x', '--log-type', 'Tail', '--output', out, '--endpoint', endpoint]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toBe('x');
    expect(r.stderr).toContain('START RequestId: r Version: 1');
  });

  it('reports an Event invoke as 202', async () => {
    const r = await cli(['invoke', 'echo', '{}', '--type', 'Event', '--endpoint', endpoint]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stderr.trim())).toEqual({ StatusCode: 202 });
  });

  it('exits 2 with the API error for an unknown function', async () => {
    const r = await cli(['invoke', 'missing', '--endpoint', endpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ResourceNotFoundException (HTTP 404): Function not found: missing');
  });
});

// End to end over the real runtime: needs the addon and the example executables.
const examples = path.join(root, 'sdk', 'libexec', 'nanolambda', 'examples', 'echo');
const nativeMissing = !fs.existsSync(examples)
  ? `the example executables are not built (${examples} is missing): run \`npm run build\``
  : undefined;
if (nativeMissing) console.log(`skipping the end-to-end CLI tests: ${nativeMissing}`);

describe.skipIf(nativeMissing !== undefined)('end to end', () => {
  it('start serves invokes until SIGTERM, then exits 0', async () => {
    const started = await startCli(['--port', '0'], tmp);
    const { child, endpoint } = started;
    try {
      expect(started.output().stdout).toContain('echo');
      const ok = await cli(['invoke', 'echo', '{"hi":1}', '--endpoint', endpoint]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('{"hi":1}');
      const crash = await cli(['invoke', 'crasher', 'segv', '--endpoint', endpoint]);
      expect(crash.code).toBe(1);
      expect(crash.stdout).toMatch(/SIGSEGV|segmentation/i);
      const missing = await cli(['invoke', 'nope', '--endpoint', endpoint]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('ResourceNotFoundException');
    } finally {
      child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
    }
    expect(started.output().stderr).toContain('stopped');
  });

  it('demo passes every step', async () => {
    const r = await cli(['demo', '--api-invokes', '2000', '--http-invokes', '500'], { timeoutMs: 120_000 });
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('p99.9');
  }, 150_000);
});
