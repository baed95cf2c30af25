// The gateway's access keys: generated once into <StateDir>/credentials.json
// with mode 0600, read back unchanged, refused when others could read or
// replace them; and `nanolambda credentials`, whose printed command works
// with the real AWS CLI against a server running the SigV4 verifier.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendApiError } from '../src/api/api-error';
import { SigV4Verifier } from '../src/api/sigv4/verifier';
import { main } from '../src/cli/main';
import { NanolambdaError } from '../src/errors';
import { credentialsFile, generateAccessKey, loadCredentials, loadOrCreateCredentials } from '../src/system/credentials';
import { writeScript } from './config-fixtures';
import { writeGroup } from './helpers/sdk';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-credentials-'));
let counter = 0;
const freshStateDir = () => path.join(tmp, `state-${++counter}`);
const mode = (p: string) => fs.statSync(p).mode & 0o777;

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function refusal(fn: () => unknown): NanolambdaError {
  try {
    fn();
  } catch (err) {
    if (NanolambdaError.is(err)) return err;
    throw err;
  }
  throw new Error('accepted, expected a refusal');
}

describe('loadOrCreateCredentials', () => {
  it('generates an AWS-shaped key into a 0600 file, then reads the same key back', () => {
    const stateDir = freshStateDir();
    const first = loadOrCreateCredentials(stateDir);
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(stateDir, 'credentials.json'));
    expect(first.keys).toHaveLength(1);
    const [key] = first.keys;
    expect(key!.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key!.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(mode(first.file)).toBe(0o600);
    expect(mode(stateDir)).toBe(0o700);
    // Nothing left beside it (the temporary file is gone).
    expect(fs.readdirSync(stateDir)).toEqual(['credentials.json']);

    const second = loadOrCreateCredentials(stateDir);
    expect(second.created).toBe(false);
    expect(second.keys).toEqual(first.keys);
    expect(second.secretOf(key!.accessKeyId)).toBe(key!.secretAccessKey);
    expect(second.secretOf('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
    expect(loadCredentials(stateDir)?.keys).toEqual(first.keys);
    expect(mode(first.file)).toBe(0o600);
  });

  it('is 0600 whatever the umask', () => {
    const old = process.umask(0);
    try {
      const { file } = loadOrCreateCredentials(freshStateDir());
      expect(mode(file)).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('keys differ every time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => generateAccessKey().accessKeyId));
    expect(ids.size).toBe(200);
    expect(loadCredentials(freshStateDir())).toBeUndefined();
  });

  it.each([0o640, 0o604, 0o660, 0o644])('refuses a file with mode %o, and leaves it alone', (bad) => {
    const stateDir = freshStateDir();
    const { file, keys } = loadOrCreateCredentials(stateDir);
    fs.chmodSync(file, bad);
    const e = refusal(() => loadOrCreateCredentials(stateDir));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(
      `${file}: holds secret access keys but is readable or writable by group or others (mode 0${bad.toString(8)}): run \`chmod 600 ${file}\``,
    );
    expect(mode(file)).toBe(bad);
    fs.chmodSync(file, 0o600);
    expect(loadOrCreateCredentials(stateDir).keys).toEqual(keys);
  });

  it('refuses a symbolic link in place of the file', () => {
    const stateDir = freshStateDir();
    const real = loadOrCreateCredentials(freshStateDir()).file;
    fs.mkdirSync(stateDir, { mode: 0o700 });
    fs.symlinkSync(real, credentialsFile(stateDir));
    expect(refusal(() => loadOrCreateCredentials(stateDir)).message).toContain('is a symbolic link');
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a file another user owns (could replace the keys)', () => {
    const stateDir = freshStateDir();
    const { file } = loadOrCreateCredentials(stateDir);
    fs.chownSync(file, 65534, 65534);
    expect(refusal(() => loadOrCreateCredentials(stateDir)).message).toContain('is owned by uid 65534, not by this user (uid 0)');
  });

  it('accepts keys added by hand, and says which entry is wrong', () => {
    const stateDir = freshStateDir();
    const { file, keys } = loadOrCreateCredentials(stateDir);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { AccessKeys: Array<Record<string, unknown>> };
    doc.AccessKeys.push({ AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'a-long-enough-secret', Description: 'CI' });
    fs.writeFileSync(file, JSON.stringify(doc));
    const loaded = loadOrCreateCredentials(stateDir);
    expect(loaded.keys.map((k) => k.accessKeyId)).toEqual([keys[0]!.accessKeyId, 'LOCALTESTKEY0001']);
    expect(loaded.secretOf('LOCALTESTKEY0001')).toBe('a-long-enough-secret');

    const bad: Array<[unknown, string]> = [
      ['not json', 'is not valid JSON'],
      [{ Keys: [] }, 'Keys: unknown key'],
      [{ AccessKeys: [] }, 'AccessKeys: expected a list of 1 to 100 keys'],
      [{ AccessKeys: [{ AccessKeyId: 'short', SecretAccessKey: 'a-long-enough-secret' }] }, 'AccessKeys[0].AccessKeyId: expected 16 to 128'],
      [{ AccessKeys: [{ AccessKeyId: 'AKIA/SLASH/IN/IT/0', SecretAccessKey: 'a-long-enough-secret' }] }, 'AccessKeys[0].AccessKeyId'],
      [{ AccessKeys: [{ AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'short' }] }, 'AccessKeys[0].SecretAccessKey: expected 16 to 128'],
      [{ AccessKeys: [{ AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'has a space in it!' }] }, 'AccessKeys[0].SecretAccessKey'],
      [{ AccessKeys: [{ AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'a-long-enough-secret', Secret: 'x' }] }, 'AccessKeys[0].Secret: unknown key'],
      [
        {
          AccessKeys: [
            { AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'a-long-enough-secret' },
            { AccessKeyId: 'LOCALTESTKEY0001', SecretAccessKey: 'another-long-secret' },
          ],
        },
        "AccessKeys[1].AccessKeyId: 'LOCALTESTKEY0001' is listed twice",
      ],
    ];
    for (const [content, message] of bad) {
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      const e = refusal(() => loadOrCreateCredentials(stateDir));
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain(`${file}: `);
      expect(e.message).toContain(message);
    }
  });

  it('says what failed when the state directory is a file or cannot be created', () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, '');
    const inFile = refusal(() => loadOrCreateCredentials(path.join(blocker, 'state')));
    expect(inFile.code).toBe('CONFIG_INVALID');
    expect(inFile.message).toBe(
      `${path.join(blocker, 'state', 'credentials.json')}: cannot be opened: part of the state directory ${path.join(blocker, 'state')} is a file, not a directory`,
    );
    // Not even root makes directories in /proc.
    const unwritable = refusal(() => loadOrCreateCredentials('/proc/nanolambda-test/state'));
    expect(unwritable.code).toBe('STORAGE_FAILED');
    expect(unwritable.message).toMatch(/^cannot create the access keys file \/proc\/nanolambda-test\/state\/credentials\.json: /);
  });
});

describe('nanolambda credentials', () => {
  let server: http.Server;
  let port: number;
  let group: string;
  let stateDir: string;
  const verified: boolean[] = [];

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'group-'));
    stateDir = path.join(dir, 'state');
    // The server the printed command talks to checks keys of the same state directory.
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const verifier = new SigV4Verifier({ secretOf: (id) => loadCredentials(stateDir)?.secretOf(id) });
        const result = verifier.verify(req, Buffer.concat(chunks));
        verified.push(result.ok);
        if (!result.ok) {
          sendApiError(res, randomUUID(), result.error, false);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"Functions":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    group = writeGroup(dir, [{ name: 'echo', executable: writeScript(dir, 'echo') }], [], {
      Http: { Host: '127.0.0.1', Port: port },
      StateDir: stateDir,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      const code = await main(args);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('prints the key, the secret and commands to paste; generates them on first use', async () => {
    const r = await run(['credentials', group]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { keys, file } = loadOrCreateCredentials(stateDir);
    const { accessKeyId: id, secretAccessKey: secret } = keys[0]!;
    expect(r.stdout).toContain(`generated now into ${file}, mode 0600`);
    expect(r.stdout).toContain(`  AWS Access Key ID:     ${id}\n  AWS Secret Access Key: ${secret}\n`);
    expect(r.stdout).toContain(
      `  AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${secret} \\\n    aws lambda list-functions --endpoint-url http://127.0.0.1:${port} --region us-east-1\n`,
    );
    expect(r.stdout).toContain(`aws configure set aws_access_key_id ${id} --profile nanolambda`);
    const again = await run(['credentials', group]);
    expect(again.stdout).toContain(`kept in ${file}`);
    expect(again.stdout).toContain(secret);
  });

  it('--json and --env, for scripts', async () => {
    const { keys, file } = loadOrCreateCredentials(stateDir);
    const json = await run(['credentials', group, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      AccessKeys: [{ AccessKeyId: keys[0]!.accessKeyId, SecretAccessKey: keys[0]!.secretAccessKey }],
      Endpoint: `http://127.0.0.1:${port}`,
      Region: 'us-east-1',
      File: file,
    });
    const env = await run(['credentials', group, '--env']);
    expect(env.stdout.split('\n')).toEqual([
      `export AWS_ACCESS_KEY_ID=${keys[0]!.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${keys[0]!.secretAccessKey}`,
      'export AWS_DEFAULT_REGION=us-east-1',
      `export AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:${port}`,
      '',
    ]);
    expect((await run(['credentials', group, '--env', '--json'])).code).toBe(2);
    expect((await run(['credentials', group, 'extra'])).stderr).toContain("unexpected argument 'extra'");
  });

  it.skipIf(!fs.existsSync('/usr/bin/aws'))('the printed command works with the AWS CLI as pasted', async () => {
    const r = await run(['credentials', group]);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  AWS_ACCESS_KEY_ID='));
    // The two lines as a user pastes them into a shell, with Debian's aws v2 first on PATH.
    const pasted = `${lines[at]}\n${lines[at + 1]}`;
    const env = {
      PATH: `/usr/bin:${process.env.PATH}`,
      HOME: tmp,
      AWS_CONFIG_FILE: path.join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      NO_PROXY: '127.0.0.1',
    };
    verified.length = 0;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('/bin/sh', ['-c', pasted], { env }, (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ Functions: [] });
    expect(verified).toEqual([true]);
  });

  it('a file others can read: exit 2 and the chmod to run', async () => {
    const file = credentialsFile(stateDir);
    fs.chmodSync(file, 0o644);
    try {
      const r = await run(['credentials', group]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `nanolambda credentials: invalid config: ${file}: holds secret access keys but is readable or writable by group or others ` +
          `(mode 0644): run \`chmod 600 ${file}\`\n`,
      );
    } finally {
      fs.chmodSync(file, 0o600);
    }
  });
});
