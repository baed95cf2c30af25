// Lambda's per-invocation log lines in a function's log file and in the Tail,
// with real executables: START / END / REPORT with one request id, plausible
// numbers, Init Duration once per worker, Status on crashes and timeouts,
// the function's output between its START and END, and the same id in the
// HTTP response's x-amzn-RequestId.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { signedHeaders } from './helpers/signed-fetch';
import { buildExecutable, ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const ID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const REPORT_RE = new RegExp(
  `^REPORT RequestId: (${ID})\\tDuration: (\\d+\\.\\d\\d) ms\\tBilled Duration: (\\d+) ms\\tMemory Size: (\\d+) MB` +
    '(?:\\tMax Memory Used: (\\d+) MB)?(?:\\tInit Duration: (\\d+\\.\\d\\d) ms)?(?:\\tStatus: (error|timeout))?(?:\\tError Type: (\\S+))?$',
);

interface Report {
  id: string;
  durationMs: number;
  billedMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number | undefined;
  initMs: number | undefined;
  status: string | undefined;
  errorType: string | undefined;
}

/** One invocation's lines in a log: where its START, END and REPORT are. */
interface Entry {
  start: number;
  end: number;
  report: number;
  version: string;
  parsed: Report;
}

function parseReport(line: string): Report | undefined {
  const m = REPORT_RE.exec(line);
  if (!m) return undefined;
  return {
    id: m[1]!,
    durationMs: Number(m[2]),
    billedMs: Number(m[3]),
    memorySizeMb: Number(m[4]),
    maxMemoryUsedMb: m[5] === undefined ? undefined : Number(m[5]),
    initMs: m[6] === undefined ? undefined : Number(m[6]),
    status: m[7],
    errorType: m[8],
  };
}

/** Every START/END/REPORT in a log by request id; throws on a duplicate or a malformed REPORT. */
function entriesOf(text: string): { lines: string[]; entries: Map<string, Entry> } {
  const lines = text.split('\n');
  const partial = new Map<string, Partial<Entry>>();
  const get = (id: string) => {
    let e = partial.get(id);
    if (!e) partial.set(id, (e = {}));
    return e;
  };
  lines.forEach((line, i) => {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^START RequestId: (${ID}) Version: (\\S+)$`).exec(line))) {
      const e = get(m[1]!);
      if (e.start !== undefined) throw new Error(`two START lines for ${m[1]}`);
      e.start = i;
      e.version = m[2]!;
    } else if ((m = new RegExp(`^END RequestId: (${ID})$`).exec(line))) {
      const e = get(m[1]!);
      if (e.end !== undefined) throw new Error(`two END lines for ${m[1]}`);
      e.end = i;
    } else if (line.startsWith('REPORT')) {
      const parsed = parseReport(line);
      if (!parsed) throw new Error(`malformed REPORT line: ${JSON.stringify(line)}`);
      const e = get(parsed.id);
      if (e.report !== undefined) throw new Error(`two REPORT lines for ${parsed.id}`);
      e.report = i;
      e.parsed = parsed;
    }
  });
  return { lines, entries: partial as Map<string, Entry> };
}

function decodeTail(result: { logResult?: string }): string {
  return Buffer.from(result.logResult ?? '', 'base64').toString('utf8');
}

let runtime: Runtime;
let dir: string;
const logOf = (name: string) => fs.readFileSync(runtime.logPathOf(name), 'utf8');
/** The log of `name` once it has the REPORT of `id`. */
async function logWith(name: string, id: string): Promise<string> {
  await waitFor(() => fs.existsSync(runtime.logPathOf(name)) && logOf(name).includes(`REPORT RequestId: ${id}`), 10_000, `REPORT ${id} in ${name}.log`);
  return logOf(name);
}

beforeAll(async () => {
  ensureSdk();
  dir = tempDir('logs-lines');
  const source = path.join(__dirname, 'fixtures', 'printer.c');
  const printer = buildExecutable(source, dir);
  const probe = buildExecutable(path.join(__dirname, 'fixtures', 'probe.c'), dir);
  const example = (name: string) => path.join(examplesDir, name);
  const file = writeGroup(dir, [
    { name: 'echo', executable: example('echo'), maxInstances: 1 },
    { name: 'printer', executable: printer, maxInstances: 1 },
    { name: 'crasher', executable: example('crasher'), maxInstances: 1 },
    { name: 'hanger', executable: example('hanger'), timeout: 1 },
    { name: 'allocator', executable: example('allocator'), maxInstances: 1 },
    { name: 'quiet', executable: probe, maxInstances: 1, settings: { SystemLogLevel: 'WARN' } },
  ]);
  // MemorySize (KB, as Greengrass has it) for echo: its REPORT lines say 128 MB.
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.MemorySize = 131072;
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  runtime = await Runtime.start({ group: file, http: { host: '127.0.0.1', port: 0 } });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('START, END and REPORT', () => {
  it('are written for every invocation, with one request id and plausible numbers', async () => {
    const walls: Array<{ id: string; wallMs: number }> = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const result = await runtime.invoke('echo', `n${i}`);
      const wallMs = performance.now() - started;
      expect(result.payload.toString()).toBe(`n${i}`);
      expect(result.requestId).toMatch(new RegExp(`^${ID}$`));
      walls.push({ id: result.requestId!, wallMs });
    }
    expect(new Set(walls.map((w) => w.id)).size).toBe(20);
    const { entries } = entriesOf(await logWith('echo', walls.at(-1)!.id));
    let inits = 0;
    for (const { id, wallMs } of walls) {
      const e = entries.get(id);
      expect(e, `lines of ${id}`).toBeDefined();
      expect(e!.start).toBeLessThan(e!.end);
      expect(e!.end + 1).toBe(e!.report);
      expect(e!.version).toBe('1');
      const r = e!.parsed;
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(r.durationMs).toBeLessThanOrEqual(wallMs + 0.01);
      // Billed is the ceiling of the unrounded duration, at least 1 ms.
      expect(r.billedMs).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(r.durationMs - 0.005)));
      expect(r.billedMs).toBeLessThanOrEqual(Math.max(1, Math.ceil(r.durationMs + 0.005)));
      expect(r.memorySizeMb).toBe(128);
      expect(r.maxMemoryUsedMb).toBeGreaterThan(0);
      expect(r.maxMemoryUsedMb).toBeLessThan(100);
      expect(r.status).toBeUndefined();
      if (r.initMs !== undefined) {
        inits++;
        expect(r.initMs).toBeGreaterThan(0);
        expect(r.initMs).toBeLessThan(10_000);
      }
    }
    // One worker (MaxInstances 1): its first invocation only.
    expect(inits).toBe(1);
    expect(entries.get(walls[0]!.id)!.parsed.initMs).toBeDefined();
  });

  it('say Memory Size is the machine\'s memory when the function has no MemorySize', async () => {
    const result = await runtime.invoke('printer', 'quiet');
    const r = entriesOf(await logWith('printer', result.requestId!)).entries.get(result.requestId!)!.parsed;
    expect(r.memorySizeMb).toBe(Math.floor(os.totalmem() / (1024 * 1024)));
  });

  it('give Init Duration to the first invocation of each worker, and Status to a crash', async () => {
    const ids: string[] = [];
    for (const payload of ['warm', 'again', 'segv', 'fresh worker', 'and again']) {
      const result = await runtime.invoke('crasher', payload);
      ids.push(result.requestId!);
      if (payload === 'segv') {
        expect(result.functionError).toBe('Unhandled');
        // The error message names the same request id as the log.
        expect(JSON.parse(result.payload.toString()).errorMessage).toContain(`RequestId: ${result.requestId} Error: Runtime exited`);
      }
    }
    const { entries } = entriesOf(await logWith('crasher', ids.at(-1)!));
    const reports = ids.map((id) => entries.get(id)!.parsed);
    expect(reports.map((r) => r.initMs !== undefined)).toEqual([true, false, false, true, false]);
    expect(reports.map((r) => r.status)).toEqual([undefined, undefined, 'error', undefined, undefined]);
    expect(reports[2]!.errorType).toBe('Runtime.ExitError');
    expect(reports[2]!.maxMemoryUsedMb).toBeGreaterThan(0);
  });

  it('end a timed-out invocation with Status: timeout', async () => {
    const result = await runtime.invoke('hanger', 'x', { logType: 'Tail' });
    expect(JSON.parse(result.payload.toString())).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(JSON.parse(result.payload.toString()).errorMessage).toBe(`RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`);
    const { entries } = entriesOf(await logWith('hanger', result.requestId!));
    const r = entries.get(result.requestId!)!.parsed;
    expect(r.status).toBe('timeout');
    expect(r.errorType).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(1000);
    expect(r.billedMs).toBeGreaterThanOrEqual(1000);
    const tail = decodeTail(result);
    expect(tail).toContain('[INFO]-hanger: sleeping forever');
    expect(tail.trimEnd().split('\n').at(-1)).toMatch(/\tStatus: timeout$/);
  });

  it('measure Max Memory Used from the worker', async () => {
    const result = await runtime.invoke('allocator', '40');
    expect(result.functionError).toBeUndefined();
    const r = entriesOf(await logWith('allocator', result.requestId!)).entries.get(result.requestId!)!.parsed;
    expect(r.maxMemoryUsedMb).toBeGreaterThanOrEqual(40);
    expect(r.maxMemoryUsedMb).toBeLessThan(100);
  });
});

describe('SystemLogLevel WARN', () => {
  it('writes no lines for invocations that succeed, END and REPORT with Status for a crash', async () => {
    const ok = [];
    for (let i = 0; i < 5; i++) ok.push(await runtime.invoke('quiet', `q${i}`));
    const crash = await runtime.invoke('quiet', 'boom crash');
    expect(crash.functionError).toBe('Unhandled');
    const text = await logWith('quiet', crash.requestId!);
    const { entries } = entriesOf(text);
    for (const result of ok) expect(entries.has(result.requestId!)).toBe(false);
    expect(text).not.toContain('START RequestId');
    const failed = entries.get(crash.requestId!)!;
    expect(failed.end + 1).toBe(failed.report);
    expect(failed.parsed.status).toBe('error');
    expect(failed.parsed.errorType).toBe('Runtime.ExitError');
  });
});

describe('the function\'s output', () => {
  it('lands between its START and END, in the file and in the Tail', async () => {
    const result = await runtime.invoke('printer', 'lines 3 tagA', { logType: 'Tail' });
    const id = result.requestId!;
    const tail = decodeTail(result);
    expect(tail).toBe(
      `START RequestId: ${id} Version: 1\ntagA 1\ntagA 2\ntagA 3\nEND RequestId: ${id}\n` +
        tail.slice(tail.indexOf('REPORT')),
    );
    expect(parseReport(tail.trimEnd().split('\n').at(-1)!)?.id).toBe(id);

    const { lines, entries } = entriesOf(await logWith('printer', id));
    const e = entries.get(id)!;
    expect(lines.slice(e.start + 1, e.end)).toEqual(['tagA 1', 'tagA 2', 'tagA 3']);
  });

  it('includes stderr and a last line without its newline', async () => {
    const err = await runtime.invoke('printer', 'err to stderr', { logType: 'Tail' });
    expect(decodeTail(err)).toContain('\nto stderr\nEND RequestId: ');
    const partial = await runtime.invoke('printer', 'partial no newline', { logType: 'Tail' });
    expect(decodeTail(partial)).toContain('\nno newline\nEND RequestId: ');
    const { lines, entries } = entriesOf(await logWith('printer', partial.requestId!));
    const e = entries.get(partial.requestId!)!;
    expect(lines.slice(e.start + 1, e.end)).toEqual(['no newline']);
  });

  it('keeps only the last 4 KB in the Tail, ending with REPORT', async () => {
    const result = await runtime.invoke('printer', 'lines 1000 many', { logType: 'Tail' });
    const raw = Buffer.from(result.logResult!, 'base64');
    expect(raw.length).toBe(4096);
    const tail = raw.toString('utf8');
    expect(tail).toContain('many 1000\nEND RequestId: ');
    expect(tail).not.toContain('START RequestId');
    expect(tail.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${result.requestId}\\t`));
    // The file has all of it.
    const { lines, entries } = entriesOf(await logWith('printer', result.requestId!));
    const e = entries.get(result.requestId!)!;
    expect(e.end - e.start - 1).toBe(1000);
    expect(lines[e.start + 1]).toBe('many 1');
  });

  it('of invocations one after another on one worker stays with each', async () => {
    const results = [];
    for (let i = 0; i < 10; i++) {
      const result = await runtime.invoke('printer', `lines 2 seq${i}`);
      results.push(result);
      // A caller that is not one tight loop: the host reads the output pipe
      // before the worker gets its next invocation (here: its REPORT is out).
      await logWith('printer', result.requestId!);
    }
    const { lines, entries } = entriesOf(await logWith('printer', results.at(-1)!.requestId!));
    results.forEach((result, i) => {
      const e = entries.get(result.requestId!)!;
      expect(lines.slice(e.start + 1, e.end)).toEqual([`seq${i} 1`, `seq${i} 2`]);
    });
  });

  it('of back-to-back invocations that never yield is all there, in order (placement not guaranteed)', async () => {
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await runtime.invoke('printer', `lines 2 tight${i}`));
    const last = results.at(-1)!.requestId!;
    await waitFor(() => logOf('printer').includes(`tight9 2\n`) && logOf('printer').includes(`REPORT RequestId: ${last}`), 10_000, 'all output');
    const { lines, entries } = entriesOf(logOf('printer'));
    const output = lines.filter((line) => line.startsWith('tight'));
    expect(output).toEqual(results.flatMap((_, i) => [`tight${i} 1`, `tight${i} 2`]));
    // Between the first START and the last END; which block a line lands in
    // is not guaranteed when the worker got its next invocation before the
    // host read the pipe.
    expect(lines.indexOf('tight0 1')).toBeGreaterThan(entries.get(results[0]!.requestId!)!.start);
    expect(lines.indexOf('tight9 2')).toBeLessThan(entries.get(last)!.end);
  });
});

describe('over HTTP', () => {
  it('x-amzn-RequestId is the request id of the log lines', async () => {
    const { host, port } = runtime.httpAddress!;
    const path = '/2015-03-31/functions/printer/invocations';
    const body = Buffer.from('lines 1 overhttp');
    const headers = signedHeaders(runtime.group.stateDir, { path, host: `${host}:${port}`, body, headers: { 'X-Amz-Log-Type': 'Tail' } });
    const reply = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        { host, port, method: 'POST', path, headers },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(reply.body).toBe('lines 1 overhttp');
    const id = String(reply.headers['x-amzn-requestid']);
    expect(id).toMatch(new RegExp(`^${ID}$`));
    const tail = Buffer.from(String(reply.headers['x-amz-log-result']), 'base64').toString();
    expect(tail.startsWith(`START RequestId: ${id} Version: 1\noverhttp 1\nEND RequestId: ${id}\nREPORT RequestId: ${id}\t`)).toBe(true);
    const { lines, entries } = entriesOf(await logWith('printer', id));
    expect(lines[entries.get(id)!.start + 1]).toBe('overhttp 1');
  });
});
