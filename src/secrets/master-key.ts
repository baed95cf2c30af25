// The master key file: 32 random bytes that wrap each deployment's data key.
// Created on first use (its new directories 0700, the file 0600, written
// with O_EXCL so an existing file or a planted symlink is never
// overwritten). A key file that another user could read or replace, or
// that is not 32 bytes, is refused: it would either leak every secret or
// not be a key nanolambda made.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NanolambdaError } from '../errors';
import { KEY_BYTES } from './sealed-box';

/** The key in `keyFile`, or undefined when the file does not exist. Throws CONFIG_INVALID for an unusable file. */
export function readMasterKey(keyFile: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang the runtime.
    fd = fs.openSync(keyFile, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(keyFile, `it cannot be opened: ${(error as Error).message}`);
  }
  try {
    // fstat of the opened file: what is checked is what is read.
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw unusable(keyFile, 'it is not a regular file');
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw unusable(keyFile, `it belongs to uid ${st.uid}, not to the user nanolambda runs as (uid ${uid}), who could read or replace it: chown ${uid} ${keyFile}`);
    }
    if ((st.mode & 0o077) !== 0) {
      throw unusable(keyFile, `its mode ${(st.mode & 0o777).toString(8).padStart(4, '0')} lets other users at it: chmod 600 ${keyFile}`);
    }
    if (st.size !== KEY_BYTES) {
      throw unusable(keyFile, `it holds ${st.size} bytes, and a nanolambda secret key is ${KEY_BYTES} random bytes: point Nanolambda.SecretKeyFile at the right file, or remove it to have a new key made (secrets are read again at the next deployment)`);
    }
    const key = Buffer.alloc(KEY_BYTES);
    let got = 0;
    while (got < KEY_BYTES) {
      const n = fs.readSync(fd, key, got, KEY_BYTES - got, got);
      if (n === 0) throw unusable(keyFile, 'it became shorter while being read');
      got += n;
    }
    return key;
  } finally {
    fs.closeSync(fd);
  }
}

/** The key in `keyFile`, made now if the file does not exist. */
export function readOrCreateMasterKey(keyFile: string): Buffer {
  const existing = readMasterKey(keyFile);
  if (existing !== undefined) return existing;
  const key = randomBytes(KEY_BYTES);
  const dir = path.dirname(keyFile);
  let fd: number;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(keyFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (error) {
    // Made by someone else meanwhile: use theirs (checked like any other).
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readMasterKeyOrFail(keyFile);
    throw cannotCreate(keyFile, error);
  }
  try {
    fs.writeSync(fd, key, 0, KEY_BYTES, 0);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(keyFile, { force: true }); // a partial key would only be refused later
    throw cannotCreate(keyFile, error);
  }
  fs.closeSync(fd);
  try {
    syncDirectory(dir);
  } catch (error) {
    throw cannotCreate(keyFile, error);
  }
  return key;
}

function readMasterKeyOrFail(keyFile: string): Buffer {
  const key = readMasterKey(keyFile);
  if (key === undefined) throw unusable(keyFile, 'the path exists but leads nowhere (a dangling symbolic link?): remove it or point Nanolambda.SecretKeyFile elsewhere');
  return key;
}

/** So the new file's directory entry survives a power cut, not just its bytes. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function unusable(keyFile: string, reason: string): NanolambdaError {
  return new NanolambdaError('CONFIG_INVALID', `the secret key file ${keyFile} cannot be used: ${reason}`);
}

function cannotCreate(keyFile: string, error: unknown): NanolambdaError {
  return new NanolambdaError(
    'STORAGE_FAILED',
    `cannot create the secret key file ${keyFile}: ${(error as Error).message}; make its directory writable by nanolambda or set Nanolambda.SecretKeyFile`,
    { cause: error },
  );
}
