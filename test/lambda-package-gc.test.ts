// Removing deployment packages nothing uses any more, with a real Runtime
// and its HTTP Lambda API (@aws-sdk/client-lambda): the old code of an
// UpdateFunctionCode goes once its workers are gone (an invocation running on
// it finishes on it first), a published version's code stays, DeleteFunction
// takes its packages, a package two functions share stays while one uses it,
// and a restart sweeps what no version references.
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemLog } from '../src/logs/system-log';
import { Runtime } from '../src/runtime';
import { loadCredentials } from '../src/system/credentials';
import { buildExecutable, ensureSdk, repoRoot, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const EXECUTABLE_RUNTIME = 'arn:aws:greengrass:::runtime/function/executable';
const ROLE = 'arn:aws:iam::123456789012:role/gateway';
const REMOVED_UNUSED = 'no function version uses it any more and no worker runs from it';
const REMOVED_AT_START = 'no function version uses it (found at start, before any worker ran)';
/**
 * The shell fixture's command for every invocation: from the package its
 * worker runs from, wait on the `gate` FIFO if the test planted one, then
 * print note.txt (which tells the packages apart).
 */
const READ_NOTE = 'd=$(dirname "$(readlink /proc/$PPID/exe)"); if [ -p "$d/gate" ]; then cat "$d/gate" >/dev/null; fi; cat "$d/note.txt"';

describe('unused deployment packages are removed', () => {
  let dir: string;
  let group: string;
  let shell: string;
  let runtime: Runtime;
  let client: LambdaClient;
  /** Packages the tests leave to functions that still use them: all a restart may keep. */
  const stillUsed = new Set<string>();

  const codeDir = (): string => path.join(runtime.group.stateDir, 'code');
  const systemLog = (): string => fs.readFileSync(SystemLog.pathIn(path.join(dir, 'logs')), 'utf8');
  const start = async (): Promise<void> => {
    runtime = await Runtime.start({ group, http: { host: '127.0.0.1', port: 0 } });
    const key = loadCredentials(runtime.group.stateDir)!.keys[0]!;
    client?.destroy();
    client = new LambdaClient({
      endpoint: `http://127.0.0.1:${runtime.httpAddress!.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
  };

  /** A package of the shell fixture whose note.txt says `note`, and its name in the store. */
  const zipWith = (note: string): { zip: Uint8Array; hex: string } => {
    const src = fs.mkdtempSync(path.join(dir, 'zip-'));
    fs.copyFileSync(shell, path.join(src, 'shell'));
    fs.writeFileSync(path.join(src, 'note.txt'), `${note}\n`);
    const zip = path.join(src, 'package.zip');
    execFileSync('zip', ['-q', '-j', zip, path.join(src, 'shell'), path.join(src, 'note.txt')]);
    const bytes = fs.readFileSync(zip);
    return { zip: bytes, hex: crypto.createHash('sha256').update(bytes).digest('hex') };
  };
  /** Whether the store holds the package (its directory or its zip). */
  const stored = (hex: string): boolean => fs.existsSync(path.join(codeDir(), hex)) || fs.existsSync(path.join(codeDir(), `${hex}.zip`));
  const waitGone = (hex: string, what: string) => waitFor(() => !stored(hex), 30_000, `${what} (${hex}) removed from the store`);

  const create = (name: string, zip: Uint8Array, publish = false) =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: EXECUTABLE_RUNTIME as never,
        Handler: 'shell',
        Role: ROLE,
        Timeout: 120,
        Code: { ZipFile: zip },
        Publish: publish,
      }),
    );
  const update = (name: string, zip: Uint8Array) => client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
  const readNote = async (name: string, qualifier?: string): Promise<string> => {
    const out = await client.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: Buffer.from(READ_NOTE) }));
    expect(out.FunctionError).toBeUndefined();
    return Buffer.from(out.Payload ?? new Uint8Array()).toString();
  };

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('lambda-package-gc');
    shell = buildExecutable(path.join(repoRoot, 'test', 'fixtures', 'shell.c'), dir);
    // A long grace: a replaced entry's invocation may run (held at its gate) as long as the test needs.
    group = writeGroup(dir, [], [], { Runtime: { ShutdownGraceSeconds: 120 } });
    await start();
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await runtime?.stop();
  });

  it('UpdateFunctionCode of unpublished code removes the old package, and says so in the system log', async () => {
    const first = zipWith('first');
    const second = zipWith('second');
    await create('replaced', first.zip);
    expect(await readNote('replaced')).toBe('first\nexit=0');
    expect(stored(first.hex)).toBe(true);
    await update('replaced', second.zip);
    await waitGone(first.hex, 'the replaced code');
    expect(stored(second.hex)).toBe(true);
    expect(await readNote('replaced')).toBe('second\nexit=0');
    expect(systemLog()).toContain(`package-store: removed package ${first.hex}: ${REMOVED_UNUSED}`);
    stillUsed.add(second.hex);
  });

  it('keeps a package a published version uses when $LATEST moves on', async () => {
    const published = zipWith('published');
    const between = zipWith('between');
    const latest = zipWith('latest');
    await create('versioned', published.zip, true);
    await update('versioned', between.zip);
    await update('versioned', latest.zip);
    // The collection that removed `between` saw `published` too: only version 1 uses it.
    await waitGone(between.hex, '$LATEST\'s replaced code');
    expect(stored(published.hex)).toBe(true);
    expect(await readNote('versioned', '1')).toBe('published\nexit=0');
    expect(await readNote('versioned')).toBe('latest\nexit=0');
    stillUsed.add(published.hex).add(latest.hex);
  });

  it('DeleteFunction removes every package of the function (each version\'s), once its workers are gone', async () => {
    const v1 = zipWith('doomed v1');
    const v2 = zipWith('doomed latest');
    await create('doomed', v1.zip, true);
    await update('doomed', v2.zip);
    // Workers for both versions, so their removal waits for real workers to stop.
    expect(await readNote('doomed', '1')).toBe('doomed v1\nexit=0');
    expect(await readNote('doomed')).toBe('doomed latest\nexit=0');
    await client.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    await waitGone(v1.hex, 'version 1\'s code');
    await waitGone(v2.hex, '$LATEST\'s code');
  });

  it('DeleteFunction of one version removes only what that version alone used', async () => {
    const v1 = zipWith('one version v1');
    const v2 = zipWith('one version latest');
    await create('pruned', v1.zip, true);
    await update('pruned', v2.zip);
    await client.send(new PublishVersionCommand({ FunctionName: 'pruned' }));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'pruned', Qualifier: '1' }));
    await waitGone(v1.hex, 'the deleted version\'s code');
    // Version 2 and $LATEST both use it.
    expect(stored(v2.hex)).toBe(true);
    expect(await readNote('pruned', '2')).toBe('one version latest\nexit=0');
    stillUsed.add(v2.hex);
  });

  it('keeps a package two functions share while one of them still uses it', async () => {
    const shared = zipWith('shared');
    const own = zipWith('own');
    await create('sharer-a', own.zip, true); // version 1: `own`, which only sharer-a uses
    await update('sharer-a', shared.zip);
    await create('sharer-b', shared.zip);
    expect(await readNote('sharer-a')).toBe('shared\nexit=0');
    expect(await readNote('sharer-b')).toBe('shared\nexit=0');
    await client.send(new DeleteFunctionCommand({ FunctionName: 'sharer-a' }));
    // The collection that removed sharer-a's own code saw the shared one too.
    await waitGone(own.hex, 'sharer-a\'s own code');
    expect(stored(shared.hex)).toBe(true);
    expect(await readNote('sharer-b')).toBe('shared\nexit=0');
    await client.send(new DeleteFunctionCommand({ FunctionName: 'sharer-b' }));
    await waitGone(shared.hex, 'the shared code, once neither function uses it');
  });

  it('lets an invocation running on the old code finish on it during UpdateFunctionCode, then removes that code', async () => {
    const old = zipWith('old code');
    const next = zipWith('new code');
    await create('in-flight', old.zip);
    // A gate in the old package: the invocation waits there until the test opens it.
    const gate = path.join(codeDir(), old.hex, 'gate');
    execFileSync('mkfifo', ['-m', '666', gate]);
    const running = client.send(new InvokeCommand({ FunctionName: 'in-flight', Payload: Buffer.from(READ_NOTE) }));
    const inFlight = () => runtime.status().functions.some((fn) => fn.name === 'in-flight' && fn.workers.some((w) => w.inFlight > 0));
    await waitFor(inFlight, 30_000, 'the invocation on the old code running');
    const updated = await update('in-flight', next.zip);
    expect(Buffer.from(updated.CodeSha256 ?? '', 'base64').toString('hex')).toBe(next.hex);
    // The old entry's worker is still held at the gate: its package must still be there.
    expect(fs.existsSync(path.join(codeDir(), old.hex, 'note.txt'))).toBe(true);
    expect(await readNote('in-flight')).toBe('new code\nexit=0');
    expect(stored(old.hex)).toBe(true);
    await promisify(execFile)('sh', ['-c', 'echo open > "$1"', 'sh', gate]);
    const answer = await running;
    expect(answer.FunctionError).toBeUndefined();
    expect(Buffer.from(answer.Payload ?? new Uint8Array()).toString()).toBe('old code\nexit=0');
    await waitGone(old.hex, 'the old code, once its worker stopped');
    stillUsed.add(next.hex);
  }, 120_000);

  it('a restart removes every package no version references, and keeps the ones versions use', async () => {
    const kept = zipWith('kept across a restart');
    await create('survivor', kept.zip);
    await runtime.stop();
    // Planted while nothing runs: a stray unpacked package, a stray zip, and a crash's temp litter.
    const strayDir = crypto.randomBytes(32).toString('hex');
    const strayZip = crypto.randomBytes(32).toString('hex');
    fs.mkdirSync(path.join(codeDir(), strayDir));
    fs.writeFileSync(path.join(codeDir(), strayDir, 'bootstrap'), 'left behind\n');
    fs.writeFileSync(path.join(codeDir(), `${strayZip}.zip`), 'not even a zip');
    fs.mkdirSync(path.join(codeDir(), '.tmp-0123456789abcdef-xyz'));
    const before = fs.readdirSync(codeDir());
    expect(before).toEqual(expect.arrayContaining([strayDir, `${strayZip}.zip`, '.tmp-0123456789abcdef-xyz']));
    await start();
    expect(stored(strayDir)).toBe(false);
    expect(stored(strayZip)).toBe(false);
    expect(fs.readdirSync(codeDir()).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    expect(stored(kept.hex)).toBe(true);
    expect(await readNote('survivor')).toBe('kept across a restart\nexit=0');
    // Exactly the packages some version uses are left, each unpacked and zipped.
    stillUsed.add(kept.hex);
    const expected = [...stillUsed].sort();
    expect(fs.readdirSync(codeDir()).filter((name) => /^[0-9a-f]{64}$/.test(name)).sort()).toEqual(expected);
    expect(fs.readdirSync(codeDir()).filter((name) => name.endsWith('.zip')).map((name) => name.slice(0, -4)).sort()).toEqual(expected);
    const log = systemLog();
    expect(log).toContain(`removed package ${strayDir}: ${REMOVED_AT_START}`);
    expect(log).toContain(`removed package ${strayZip}: ${REMOVED_AT_START}`);
  }, 60_000);
});
