// Shared pieces of the asynchronous event tests: the event_recorder function
// (event_recorder.c), groups that use it with the async settings a test
// needs, and reading what it recorded.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadGroupFile } from '../../src/config/load-group';
import type { AsyncSpec, FunctionSpec, GroupConfig } from '../../src/config/types';
import { arnOf, buildExecutable, ensureSdk, writeGroup } from './sdk';
import { signedHeaders } from './signed-fetch';

export interface RecorderFunction {
  name: string;
  /** Milliseconds each invocation sleeps after recording. */
  sleepMs?: number;
  maxInstances?: number;
  timeout?: number;
  async?: Partial<AsyncSpec>;
}

export interface RecorderGroup {
  group: GroupConfig;
  /** The group file on disk (its async settings are the defaults; see `group`). */
  file: string;
  fn(name: string): FunctionSpec;
  /** The file a function records its invocations in. */
  recordFile(name: string): string;
}

/** Fast retries so tests take milliseconds, not minutes. */
const TEST_ASYNC: AsyncSpec = { maxRetries: 2, maxEventAgeMs: 6 * 3600_000, retryDelayMs: 100, onFailure: undefined };

/** Compile event_recorder.c against the SDK into dir. */
export function buildRecorder(dir: string): string {
  ensureSdk();
  return buildExecutable(path.join(__dirname, '..', 'fixtures', 'event_recorder.c'), dir);
}

/**
 * A group of event_recorder functions. The async settings are set on the
 * loaded GroupConfig, not written to the file, because tests want ages and
 * delays below the config's whole seconds; pass `group` to Runtime.start.
 * The state directory is <dir>/state.
 */
export function recorderGroup(dir: string, executable: string, functions: RecorderFunction[]): RecorderGroup {
  const recordFile = (name: string) => path.join(dir, `${name}.records`);
  const file = writeGroup(
    dir,
    functions.map((f) => ({
      name: f.name,
      executable,
      maxInstances: f.maxInstances,
      timeout: f.timeout,
      env: { RECORD_FILE: recordFile(f.name), SLEEP_MS: String(f.sleepMs ?? 0) },
    })),
  );
  const group = loadGroupFile(file);
  group.stateDir = path.join(dir, 'state');
  for (const f of functions) {
    const spec = group.functions.find((s) => s.arn === arnOf({ name: f.name, executable }))!;
    spec.async = { ...TEST_ASYNC, ...f.async };
  }
  return {
    group,
    file,
    fn: (name) => group.functions.find((s) => s.name === name)!,
    recordFile,
  };
}

export interface Record {
  payload: string;
  /** Unix ms when the attempt started. */
  at: number;
  pid: number;
}

/** What a recorder function recorded, in order ("<payload> <ms> <pid>" lines). */
export function readRecords(file: string): Record[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const parts = line.split(' ');
      const pid = Number(parts.pop());
      const at = Number(parts.pop());
      return { payload: parts.join(' '), at, pid };
    });
}

/** JSON lines of a dead-letter file. */
export function readJsonLines(file: string): any[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

export interface PostResult {
  status: number;
  body: string;
  /** x-amzn-ErrorType of an error answer. */
  errorType: string | undefined;
  /** x-amzn-RequestId. */
  requestId: string;
}

/** POST an Event invocation to a runtime's Invoke endpoint, signed with the keys in its state directory. */
export function postEvent(port: number, fn: string, body: Buffer, stateDir: string, agent?: http.Agent): Promise<PostResult> {
  const path = `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`;
  const headers = signedHeaders(stateDir, {
    path,
    host: `127.0.0.1:${port}`,
    body,
    headers: { 'X-Amz-Invocation-Type': 'Event', 'Content-Length': body.length },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, agent, method: 'POST', path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const errorType = res.headers['x-amzn-errortype'];
          resolve({
            status: res.statusCode!,
            body: Buffer.concat(chunks).toString(),
            errorType: typeof errorType === 'string' ? errorType : undefined,
            requestId: String(res.headers['x-amzn-requestid']),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
