// The code store: deployment packages kept by content hash, each as its zip
// (`<store>/<sha256 hex>.zip`, for GetFunction and re-deploys) and unpacked
// once (`<store>/<sha256 hex>/`, what a function sees as /var/task).
//
// Atomicity: a package is unpacked into `<store>/.tmp-…` (same filesystem),
// its files fsynced, then renamed to its final name, so a directory with a
// hash name is always complete; a crash leaves only `.tmp-…` litter, which
// sweepPackageStore removes at startup. Storing the same zip again finds the
// directory and unpacks nothing; two concurrent stores of one zip both unpack
// and the second rename loses harmlessly. Packages nothing uses any more are
// removed by src/lambda/package-collector.ts, inside `exclusively`.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NanolambdaError } from '../../errors';
import { DIRECTORY_MODE, FILE_MODE } from './file-mode';
import { PackageError } from './package-error';
import { LAMBDA_PACKAGE_LIMITS, type PackageLimits } from './package-limits';
import { planPackage } from './package-manifest';
import { unpackInto } from './unpack';
import { readZipDirectory } from './zip-directory';

const TEMP_PREFIX = '.tmp-';
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export interface StorePackageOptions {
  /** Lower (or, unwisely, raise) Lambda's limits; unset fields keep Lambda's. */
  limits?: Partial<PackageLimits>;
}

export interface StoredPackage {
  /** Base64 SHA-256 of the zip, as Lambda's CodeSha256. */
  codeSha256: string;
  /** The same digest in hex: the package's name in the store. */
  sha256: string;
  /** Bytes of the zip, as Lambda's CodeSize. */
  codeSize: number;
  /** The unpacked package (the function's /var/task). */
  dir: string;
  /** The zip as uploaded. */
  zipPath: string;
  /** Bytes of all files once unpacked. */
  unzippedSize: number;
  /** Regular files in the package. */
  files: number;
  /** Directories in the package, not counting its root. */
  directories: number;
  /** False when this zip was already stored and nothing was unpacked. */
  unpacked: boolean;
}

/**
 * Check, store and unpack a deployment package (the zip bytes as uploaded,
 * already base64-decoded). Everything about the zip is checked before a byte
 * is written; what can only be seen while inflating (a lying size, a bad CRC)
 * removes the partial unpack before this rejects. Executables are not checked
 * against an architecture here: one zip may serve functions of several, so
 * the function's check is checkPackageArchitecture's, once it is known. Rejects with a PackageError (the uploader's fault: 400 or 413) or a
 * NanolambdaError STORAGE_FAILED (the store's disk).
 */
export async function storePackage(storeDir: string, zipBytes: Uint8Array, options: StorePackageOptions = {}): Promise<StoredPackage> {
  if (!(zipBytes instanceof Uint8Array)) throw new TypeError('storePackage: zipBytes must be a Buffer or Uint8Array of the zip');
  const zip = Buffer.isBuffer(zipBytes) ? zipBytes : Buffer.from(zipBytes.buffer, zipBytes.byteOffset, zipBytes.byteLength);
  const limits = resolveLimits(options.limits);

  if (zip.length > limits.maxZippedBytes) {
    throw new PackageError(
      `Zipped size must be smaller than ${limits.maxZippedBytes} bytes (this zip is ${zip.length} bytes): ` +
        "Lambda's limit for a direct upload; leave out what the function does not need (dev dependencies, tests, caches)",
      { tooLarge: true },
    );
  }
  const digest = createHash('sha256').update(zip).digest();
  const sha256 = digest.toString('hex');
  const manifest = planPackage(readZipDirectory(zip, limits.maxEntries).entries, limits.maxUnzippedBytes);
  const stored: Omit<StoredPackage, 'unpacked'> = {
    codeSha256: digest.toString('base64'),
    sha256,
    codeSize: zip.length,
    dir: path.join(storeDir, sha256),
    zipPath: path.join(storeDir, `${sha256}.zip`),
    unzippedSize: manifest.unzippedSize,
    files: manifest.files.length,
    directories: manifest.directories.length,
  };

  try {
    await fs.promises.mkdir(storeDir, { recursive: true, mode: DIRECTORY_MODE });
    if (await isDirectory(stored.dir)) {
      await writeZipOnce(stored.zipPath, zip); // normally there: this repairs a store whose zip went missing
      return { ...stored, unpacked: false };
    }
    const temp = await fs.promises.mkdtemp(path.join(storeDir, `${TEMP_PREFIX}${sha256.slice(0, 16)}-`));
    try {
      await unpackInto(temp, zip, manifest);
      await writeZipOnce(stored.zipPath, zip);
      await fs.promises.rename(temp, stored.dir);
    } catch (err) {
      await fs.promises.rm(temp, { recursive: true, force: true });
      if (isRenameLost(err) && (await isDirectory(stored.dir))) return { ...stored, unpacked: false };
      throw err;
    }
    return { ...stored, unpacked: true };
  } catch (err) {
    throw storageError(err, storeDir);
  }
}

/** The unpacked package for a CodeSha256 (base64) or hex digest, or undefined if it is not stored. */
export function packageDir(storeDir: string, sha: string): string | undefined {
  const dir = path.join(storeDir, hexDigest(sha));
  try {
    return fs.lstatSync(dir).isDirectory() ? dir : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(err, storeDir);
  }
}

/** The stored zip for a CodeSha256 (base64) or hex digest, or undefined if it is not stored. */
export function packageZip(storeDir: string, sha: string): string | undefined {
  const zipPath = path.join(storeDir, `${hexDigest(sha)}.zip`);
  return fs.existsSync(zipPath) ? zipPath : undefined;
}

/**
 * Hex digests of the packages in the store: each has its directory, its zip
 * or (normally) both; a digest with only one of them is listed too, so that
 * whoever removes unused packages sees every byte they hold.
 */
export async function listPackages(storeDir: string): Promise<string[]> {
  let names: fs.Dirent[];
  try {
    names = await fs.promises.readdir(storeDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storageError(err, storeDir);
  }
  const digests = new Set<string>();
  for (const entry of names) {
    if (entry.isDirectory() && HEX_SHA256.test(entry.name)) digests.add(entry.name);
    else if (entry.isFile() && entry.name.endsWith('.zip') && HEX_SHA256.test(entry.name.slice(0, -4))) digests.add(entry.name.slice(0, -4));
  }
  return [...digests].sort();
}

/**
 * Tasks on one store, one at a time and in order. Packages are shared by
 * content hash, so whoever stores a package and then commits the function
 * that uses it, and whoever removes packages nothing uses, must not
 * interleave: a removal between the store and the commit would take the
 * package the new function is about to name.
 */
const storeQueues = new Map<string, Promise<unknown>>();

/** Run `task` once every task queued before it on this store has settled; resolves or rejects as it does. */
export async function exclusively<T>(storeDir: string, task: () => Promise<T>): Promise<T> {
  const key = path.resolve(storeDir);
  const queued = (storeQueues.get(key) ?? Promise.resolve()).then(task);
  const settled = queued.then(
    () => undefined,
    () => undefined,
  );
  storeQueues.set(key, settled);
  try {
    return await queued;
  } finally {
    if (storeQueues.get(key) === settled) storeQueues.delete(key);
  }
}

/**
 * Remove a package (its directory and zip). The caller decides when: no
 * function version may still use it, and no invocation may be running from
 * it. The directory is renamed away first, so it disappears at once and a
 * crash half-way leaves `.tmp-` litter, never a half package under its name.
 * Resolves to whether anything was there.
 */
export async function deletePackage(storeDir: string, sha: string): Promise<boolean> {
  const hex = hexDigest(sha);
  let found = false;
  try {
    const doomed = path.join(storeDir, `${TEMP_PREFIX}delete-${hex.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.promises.rename(path.join(storeDir, hex), doomed);
      found = true;
      await fs.promises.rm(doomed, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await fs.promises.unlink(path.join(storeDir, `${hex}.zip`));
      found = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  } catch (err) {
    throw storageError(err, storeDir);
  }
  return found;
}

/**
 * Remove what interrupted stores and deletes left behind. Call it at startup,
 * before any storePackage: it would also remove a store in progress.
 * Resolves to how many leftovers were removed.
 */
export async function sweepPackageStore(storeDir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(storeDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw storageError(err, storeDir);
  }
  const leftovers = names.filter((name) => name.startsWith(TEMP_PREFIX));
  try {
    for (const name of leftovers) await fs.promises.rm(path.join(storeDir, name), { recursive: true, force: true });
  } catch (err) {
    throw storageError(err, storeDir);
  }
  return leftovers.length;
}

/** Accept Lambda's CodeSha256 (base64) or a hex digest; refuse anything else (it becomes a path). */
export function hexDigest(sha: string): string {
  if (typeof sha === 'string') {
    if (/^[0-9a-fA-F]{64}$/.test(sha)) return sha.toLowerCase();
    if (/^[A-Za-z0-9+/]{43}=$/.test(sha)) {
      const bytes = Buffer.from(sha, 'base64');
      if (bytes.length === 32 && bytes.toString('base64') === sha) return bytes.toString('hex');
    }
  }
  throw new TypeError(`${JSON.stringify(sha)} is not a SHA-256 digest: expected a CodeSha256 (44 base64 characters) or 64 hex digits`);
}

function resolveLimits(overrides: Partial<PackageLimits> | undefined): PackageLimits {
  const limits = { ...LAMBDA_PACKAGE_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {}) as Array<[keyof PackageLimits, unknown]>) {
    if (!(key in limits)) throw new TypeError(`storePackage: options.limits.${key} is not a limit (known: ${Object.keys(limits).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`storePackage: options.limits.${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    const stat = await fs.promises.lstat(target);
    if (stat.isDirectory()) return true;
    throw new Error(`${target} exists but is not a directory: remove it`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Write the zip under its hash name unless it is there: to a temp name, fsynced, then renamed. */
async function writeZipOnce(zipPath: string, zip: Buffer): Promise<void> {
  if (fs.existsSync(zipPath)) return;
  const temp = path.join(path.dirname(zipPath), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.zip`);
  try {
    const file = await fs.promises.open(temp, 'wx', FILE_MODE);
    try {
      await file.writeFile(zip);
      await file.chmod(FILE_MODE);
      await file.datasync();
    } finally {
      await file.close();
    }
    await fs.promises.rename(temp, zipPath);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
}

/** rename(2) onto a non-empty directory: another store of the same zip finished first. */
function isRenameLost(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

function storageError(err: unknown, storeDir: string): unknown {
  if (NanolambdaError.is(err)) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new NanolambdaError('STORAGE_FAILED', `could not store the deployment package in ${storeDir}: ${text}`, { cause: err });
}
