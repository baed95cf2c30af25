// The access keys the local Lambda API accepts (SigV4): generated on first
// start into <StateDir>/credentials.json, mode 0600, and read back on later
// starts. More keys may be added to the file by hand.
//
//   { "AccessKeys": [ { "AccessKeyId": "AKIA…", "SecretAccessKey": "…", "Created": "2026-…Z" } ] }
//
// Like ssh with a private key, a file that others could read or that another
// user owns is refused rather than used: the error says how to fix it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, NanolambdaError } from '../errors';

export const CREDENTIALS_FILE_NAME = 'credentials.json';
/** A hand-edited file past this is not a credentials file. */
const MAX_FILE_BYTES = 64 * 1024;
const MAX_KEYS = 100;
/** AWS's AccessKeyId constraint (16–128 word characters): never a '/', which ends it in a SigV4 Credential. */
const ACCESS_KEY_ID = /^\w{16,128}$/;
/** Printable ASCII without spaces: pasted into shells and config files as is. */
const SECRET = /^[\x21-\x7e]{16,128}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface GatewayCredentials {
  /** Where they are kept. */
  file: string;
  /** True when this call generated the file. */
  created: boolean;
  /** At least one; the first is the generated one. */
  keys: readonly AccessKey[];
  /** The secret of a key, for SigV4Verifier; undefined for an unknown key. */
  secretOf(accessKeyId: string): string | undefined;
}

export function credentialsFile(stateDir: string): string {
  return path.join(stateDir, CREDENTIALS_FILE_NAME);
}

/** A new key shaped like AWS's: `AKIA` + 16 base32 characters, and a 40-character secret (240 random bits). */
export function generateAccessKey(): AccessKey {
  const idBytes = randomBytes(10);
  let id = 'AKIA';
  // 80 bits as 16 base32 digits, 5 bits each.
  let bits = 0;
  let value = 0;
  for (const byte of idBytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += BASE32[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

/** Read <stateDir>/credentials.json, generating it (and the directory) on first use. */
export function loadOrCreateCredentials(stateDir: string): GatewayCredentials {
  const file = credentialsFile(stateDir);
  const existing = loadCredentials(stateDir);
  if (existing !== undefined) return existing;
  const key = generateAccessKey();
  if (createFile(stateDir, file, key)) return credentialsOf(file, [key], true);
  // Another process created it between our look and our write: theirs wins.
  const theirs = loadCredentials(stateDir);
  if (theirs !== undefined) return theirs;
  throw new NanolambdaError('STORAGE_FAILED', `${file} was created by another process and removed again: try again`);
}

/** Read <stateDir>/credentials.json; undefined when it does not exist. */
export function loadCredentials(stateDir: string): GatewayCredentials | undefined {
  const file = credentialsFile(stateDir);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new ConfigError(file, '', `cannot be opened: part of the state directory ${stateDir} is a file, not a directory`);
    if (code === 'ELOOP') throw new ConfigError(file, '', 'is a symbolic link: the access keys must be a regular file of their own (remove the link)');
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ConfigError(file, '', 'cannot be read (permission denied): run this as the user that runs the gateway, who owns the file');
    }
    throw new ConfigError(file, '', `cannot be opened: ${(err as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(file, '', 'is not a regular file');
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new ConfigError(
        file,
        '',
        `is owned by uid ${st.uid}, not by this user (uid ${uid}), who could replace the gateway's access keys: ` +
          `run as its owner, or \`chown ${uid} ${file}\` if it is yours`,
      );
    }
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(
        file,
        '',
        `holds secret access keys but is readable or writable by group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
          `run \`chmod 600 ${file}\``,
      );
    }
    if (st.size > MAX_FILE_BYTES) throw new ConfigError(file, '', `is ${st.size} bytes, more than a credentials file holds (${MAX_FILE_BYTES})`);
    const text = fs.readFileSync(fd, 'utf8');
    return credentialsOf(file, parseKeys(file, text), false);
  } finally {
    fs.closeSync(fd);
  }
}

function parseKeys(file: string, text: string): AccessKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '', `is not valid JSON (${(err as Error).message}): delete it to generate new keys, or fix it`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(file, '', 'expected an object {"AccessKeys": [...]}');
  const extra = Object.keys(doc).filter((k) => k !== 'AccessKeys');
  if (extra.length > 0) throw new ConfigError(file, extra[0]!, 'unknown key: the file has only "AccessKeys"');
  const list = (doc as { AccessKeys?: unknown }).AccessKeys;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_KEYS) {
    throw new ConfigError(file, 'AccessKeys', `expected a list of 1 to ${MAX_KEYS} keys {"AccessKeyId", "SecretAccessKey"}`);
  }
  const keys: AccessKey[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `AccessKeys[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(file, at, 'expected an object {"AccessKeyId", "SecretAccessKey"}');
    const unknown = Object.keys(entry).filter((k) => !['AccessKeyId', 'SecretAccessKey', 'Created', 'Description'].includes(k));
    if (unknown.length > 0) throw new ConfigError(file, `${at}.${unknown[0]}`, 'unknown key: expected AccessKeyId, SecretAccessKey, Created, Description');
    const { AccessKeyId: id, SecretAccessKey: secret } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !ACCESS_KEY_ID.test(id)) {
      throw new ConfigError(file, `${at}.AccessKeyId`, 'expected 16 to 128 letters, digits or underscores, as AWS access key ids');
    }
    if (typeof secret !== 'string' || !SECRET.test(secret)) {
      throw new ConfigError(file, `${at}.SecretAccessKey`, 'expected 16 to 128 printable characters without spaces (a generated one has 40)');
    }
    if (keys.some((k) => k.accessKeyId === id)) throw new ConfigError(file, `${at}.AccessKeyId`, `'${id}' is listed twice`);
    keys.push({ accessKeyId: id, secretAccessKey: secret });
  });
  return keys;
}

function credentialsOf(file: string, keys: AccessKey[], created: boolean): GatewayCredentials {
  const secrets = new Map(keys.map((k) => [k.accessKeyId, k.secretAccessKey]));
  return { file, created, keys, secretOf: (accessKeyId) => secrets.get(accessKeyId) };
}

/**
 * Write the file whole or not at all: a private temporary file, then a hard
 * link to the final name, which fails if the name exists. False when another
 * process got there first.
 */
function createFile(stateDir: string, file: string, key: AccessKey): boolean {
  const doc = { AccessKeys: [{ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Created: new Date().toISOString() }] };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    makeDirectory(stateDir);
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      // The umask can only take bits away; this makes sure of exactly 0600.
      fs.fchmodSync(fd, 0o600);
      fs.writeFileSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    syncDirectory(stateDir);
    return true;
  } catch (err) {
    throw new NanolambdaError('STORAGE_FAILED', `cannot create the access keys file ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * mkdir -p with mode 0700. Not `recursive: true`: Node 20 retries that forever
 * where mkdir says ENOENT under an existing parent (/proc, /sys).
 */
function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir || fs.existsSync(parent)) throw err;
    makeDirectory(parent);
    fs.mkdirSync(dir, { mode: 0o700 });
  }
}

/** So the new name survives a power cut right after start (best effort). */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is synced.
  }
}
