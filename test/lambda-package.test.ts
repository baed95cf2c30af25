// Deployment packages: real zips (made by Info-ZIP `zip` when installed, and
// by the small writer below for what `zip` cannot make: Windows-made zips and
// hostile ones) are checked, stored by content hash, unpacked once with fixed
// modes, and refused with Lambda's exceptions without writing outside the store.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { apiErrorFromInvoke } from '../src/api/api-error';
import {
  checkPackageArchitecture,
  deletePackage,
  listPackages,
  LAMBDA_PACKAGE_LIMITS,
  PackageError,
  packageDir,
  packageZip,
  storePackage,
  sweepPackageStore,
  type StorePackageOptions,
} from '../src/lambda/package';
import { tempDir } from './helpers/sdk';

// ---------------------------------------------------------------------------
// A minimal zip writer: enough of APPNOTE to make valid zips and to lie in
// exactly one field at a time.

interface TestEntry {
  name: string | Buffer;
  data?: Buffer | string;
  /** 0 stored, 8 deflated (default), or anything to test refusals. */
  method?: number;
  /** Full st_mode (type and permissions); makes the entry Unix-made. */
  unixMode?: number;
  /** "Version made by" host: 3 Unix (default with unixMode), 0 MS-DOS (default otherwise), 10 NTFS. */
  host?: number;
  dosAttributes?: number;
  flags?: number;
  /** Use these bytes as the compressed data instead of compressing `data`. */
  compressed?: Buffer;
  /** Lie about (or set, with `compressed`) the uncompressed size. */
  size?: number;
  crc?: number;
}

interface RawEntry {
  name: Buffer;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  madeBy: number;
  external: number;
  payload: Buffer;
}

function rawEntry(e: TestEntry): RawEntry {
  const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name);
  const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
  const method = e.method ?? 8;
  const payload = e.compressed ?? (method === 8 ? zlib.deflateRawSync(data) : data);
  const host = e.host ?? (e.unixMode !== undefined ? 3 : 0);
  return {
    name,
    method,
    flags: (e.flags ?? 0) | 0x0800, // names are UTF-8
    crc: e.crc ?? zlib.crc32(data),
    compressedSize: payload.length,
    size: e.size ?? data.length,
    madeBy: (host << 8) | 20,
    external: (((e.unixMode ?? 0) << 16) | (e.dosAttributes ?? 0)) >>> 0,
    payload,
  };
}

function localHeader(r: RawEntry): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(r.flags, 6);
  h.writeUInt16LE(r.method, 8);
  h.writeUInt32LE(r.crc, 14);
  h.writeUInt32LE(r.compressedSize, 18);
  h.writeUInt32LE(r.size, 22);
  h.writeUInt16LE(r.name.length, 26);
  return Buffer.concat([h, r.name]);
}

function centralHeader(r: RawEntry, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(r.madeBy, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(r.flags, 8);
  h.writeUInt16LE(r.method, 10);
  h.writeUInt32LE(r.crc, 16);
  h.writeUInt32LE(r.compressedSize, 20);
  h.writeUInt32LE(r.size, 24);
  h.writeUInt16LE(r.name.length, 28);
  h.writeUInt32LE(r.external, 38);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, r.name]);
}

function endRecord(count: number, cdSize: number, cdOffset: number): Buffer {
  const h = Buffer.alloc(22);
  h.writeUInt32LE(0x06054b50, 0);
  h.writeUInt16LE(count, 8);
  h.writeUInt16LE(count, 10);
  h.writeUInt32LE(cdSize, 12);
  h.writeUInt32LE(cdOffset, 16);
  return h;
}

function makeZip(entries: TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const r = rawEntry(e);
    central.push(centralHeader(r, offset));
    const local = Buffer.concat([localHeader(r), r.payload]);
    parts.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(central);
  return Buffer.concat([...parts, cd, endRecord(entries.length, cd.length, offset)]);
}

/** A deflate stream of `megabytes` MB of zeros (a multiple of 16), about 1 KB per MB, built without holding them all. */
function zerosDeflated(megabytes: number): Buffer {
  const segment = zlib.deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  // Full flushes make each segment independent; an empty final block ends the stream.
  return Buffer.concat([...Array<Buffer>(megabytes / 16).fill(segment), Buffer.from([0x03, 0x00])]);
}

/** A 64-byte ELF header: enough for `file` and for our check. */
function elfHeader(machine: number, options: { elfClass?: number; type?: number } = {}): Buffer {
  const h = Buffer.alloc(64);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = options.elfClass ?? 2;
  h[5] = 1; // little-endian
  h[6] = 1; // EV_CURRENT
  h.writeUInt16LE(options.type ?? 2, 16); // ET_EXEC
  h.writeUInt16LE(machine, 18);
  h.writeUInt32LE(1, 20);
  h.writeUInt16LE(64, 52); // e_ehsize
  return h;
}
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

// ---------------------------------------------------------------------------

const hasZip = (() => {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function sha256(bytes: Buffer): { base64: string; hex: string } {
  const h = createHash('sha256').update(bytes).digest();
  return { base64: h.toString('base64'), hex: h.toString('hex') };
}

function mode(file: string): number {
  return fs.statSync(file).mode & 0o7777;
}

/** Every path under `root` with its type, sorted: a snapshot to compare. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      out.push(`${path.relative(root, full)}${d.isDirectory() ? '/' : d.isSymbolicLink() ? '@' : ''}`);
      if (d.isDirectory()) walk(full);
    }
  };
  walk(root);
  return out.sort();
}

/** Bytes this process has written with write(2) so far (Linux), or undefined. */
function bytesWritten(): number | undefined {
  try {
    return Number(/^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))![1]);
  } catch {
    return undefined;
  }
}

/** A store inside a scratch dir; `base` is what nothing may be written into but the store. */
function scratchStore(prefix: string): { base: string; store: string } {
  const base = tempDir(prefix);
  fs.writeFileSync(path.join(base, 'sentinel'), 'untouched');
  return { base, store: path.join(base, 'state', 'code') };
}

/**
 * Store a hostile zip and check it was refused with a 400 (or 413) naming the
 * problem, and that nothing is left anywhere: not outside the store, not in it.
 */
async function expectRefused(
  zip: Buffer,
  message: RegExp,
  options: StorePackageOptions & { status?: number } = {},
): Promise<PackageError> {
  const { base, store } = scratchStore('pkg-hostile');
  const before = tree(base);
  const error = await storePackage(store, zip, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(PackageError);
  const refusal = error as PackageError;
  expect(refusal.message).toMatch(message);
  expect(refusal.statusCode).toBe(options.status ?? 400);
  expect(refusal.exceptionName).toBe(options.status === 413 ? 'RequestEntityTooLargeException' : 'InvalidParameterValueException');
  // The store itself may exist (created before unpacking) but must be empty.
  const after = tree(base).filter((p) => !/^state\/(code\/)?$/.test(p));
  expect(after).toEqual(before);
  if (fs.existsSync(store)) expect(fs.readdirSync(store)).toEqual([]);
  return refusal;
}

// ---------------------------------------------------------------------------

describe('storing a package', () => {
  it.skipIf(!hasZip)('unpacks a zip made by `zip -r`: files, nested dirs, and modes fixed', async () => {
    const { base, store } = scratchStore('pkg-zip');
    const src = path.join(base, 'src');
    fs.mkdirSync(path.join(src, 'lib', 'util'), { recursive: true });
    fs.mkdirSync(path.join(src, 'empty'));
    fs.writeFileSync(path.join(src, 'index.js'), 'exports.handler = async () => 42;\n', { mode: 0o600 });
    fs.writeFileSync(path.join(src, 'lib', 'util', 'helper.js'), 'module.exports = 1;\n');
    fs.writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    fs.copyFileSync('/bin/true', path.join(src, 'bootstrap'));
    fs.chmodSync(path.join(src, 'bootstrap'), 0o644); // an ELF that lost its exec bit
    fs.writeFileSync(path.join(src, 'tool'), 'not a script, but marked executable\n');
    fs.chmodSync(path.join(src, 'tool'), 0o4750); // setuid must not survive
    fs.chmodSync(path.join(src, 'lib'), 0o700);
    execFileSync('zip', ['-q', '-r', '../package.zip', '.'], { cwd: src });
    const zip = fs.readFileSync(path.join(base, 'package.zip'));

    const stored = await storePackage(store, zip);

    const digest = sha256(zip);
    expect(stored).toMatchObject({
      codeSha256: digest.base64,
      sha256: digest.hex,
      codeSize: zip.length,
      dir: path.join(store, digest.hex),
      zipPath: path.join(store, `${digest.hex}.zip`),
      files: 5,
      unpacked: true,
    });
    expect(stored.codeSha256).toHaveLength(44);
    const sizes = ['index.js', 'lib/util/helper.js', 'run.sh', 'bootstrap', 'tool'].map((f) => fs.statSync(path.join(src, f)).size);
    expect(stored.unzippedSize).toBe(sizes.reduce((a, b) => a + b));
    expect(fs.readFileSync(stored.zipPath).equals(zip)).toBe(true);
    expect(tree(stored.dir)).toEqual(tree(src));
    for (const f of ['index.js', 'lib/util/helper.js', 'bootstrap']) {
      expect(fs.readFileSync(path.join(stored.dir, f)).equals(fs.readFileSync(path.join(src, f)))).toBe(true);
    }

    expect(mode(stored.dir)).toBe(0o755);
    expect(mode(path.join(stored.dir, 'lib'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'lib', 'util'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'empty'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'index.js'))).toBe(0o644);
    expect(mode(path.join(stored.dir, 'lib', 'util', 'helper.js'))).toBe(0o644);
    expect(mode(path.join(stored.dir, 'run.sh'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'bootstrap'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'tool'))).toBe(0o755);
    execFileSync(path.join(stored.dir, 'bootstrap')); // the right architecture, and it runs

    expect(packageDir(store, stored.codeSha256)).toBe(stored.dir);
    expect(packageDir(store, stored.sha256.toUpperCase())).toBe(stored.dir);
    expect(packageZip(store, stored.codeSha256)).toBe(stored.zipPath);
    expect(fs.readdirSync(store).sort()).toEqual([digest.hex, `${digest.hex}.zip`]);
  });

  it.skipIf(!hasZip)('reads Zip64 zips (`zip -fz`)', async () => {
    const { base, store } = scratchStore('pkg-zip64');
    fs.writeFileSync(path.join(base, 'index.py'), 'def handler(event, context):\n    return event\n');
    execFileSync('zip', ['-q', '-fz', 'package.zip', 'index.py'], { cwd: base });
    const zip = fs.readFileSync(path.join(base, 'package.zip'));
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // it really is Zip64

    const stored = await storePackage(store, zip);
    expect(fs.readFileSync(path.join(stored.dir, 'index.py'), 'utf8')).toContain('def handler');
    expect(stored.files).toBe(1);
  });

  it('fixes a Windows-made zip: backslash separators, no mode bits, executables found by content', async () => {
    const { store } = scratchStore('pkg-windows');
    const elf = fs.readFileSync('/bin/true');
    const zip = makeZip([
      { name: 'lib\\', host: 10, dosAttributes: 0x10 },
      { name: 'lib\\helper.js', data: 'module.exports = 1;\n', host: 10, dosAttributes: 0x20 },
      { name: 'bootstrap', data: elf, host: 0, dosAttributes: 0x20 },
      { name: 'handler.sh', data: '#!/bin/sh\necho "$1"\n', host: 0 },
      { name: 'index.js', data: 'exports.handler = async () => 1;\n', host: 0, method: 0 },
      { name: 'data\\deep\\table.csv', data: 'a,b\n', host: 0 },
    ]);
    const stored = await storePackage(store, zip);
    expect(tree(stored.dir)).toEqual([
      'bootstrap', 'data/', 'data/deep/', 'data/deep/table.csv', 'handler.sh', 'index.js', 'lib/', 'lib/helper.js',
    ]);
    expect(stored).toMatchObject({ files: 5, directories: 3 });
    expect(mode(path.join(stored.dir, 'bootstrap'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'handler.sh'))).toBe(0o755);
    expect(mode(path.join(stored.dir, 'index.js'))).toBe(0o644);
    expect(mode(path.join(stored.dir, 'lib', 'helper.js'))).toBe(0o644);
    expect(mode(path.join(stored.dir, 'data', 'deep'))).toBe(0o755);
    expect(execFileSync(path.join(stored.dir, 'handler.sh'), ['ok']).toString()).toBe('ok\n');
  });

  it('accepts an empty zip and a package with a streamed (over 1 MB) entry', async () => {
    const { store } = scratchStore('pkg-shapes');
    const empty = await storePackage(store, makeZip([]));
    expect(empty).toMatchObject({ files: 0, unzippedSize: 0 });
    expect(fs.readdirSync(empty.dir)).toEqual([]);

    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'lambda ');
    const stored = await storePackage(store, makeZip([{ name: 'big.txt', data: big }]));
    expect(fs.readFileSync(path.join(stored.dir, 'big.txt')).equals(big)).toBe(true);
    expect(stored.unzippedSize).toBe(big.length);
  });

  it('stores the same zip once: a second store (or a concurrent one) unpacks nothing', async () => {
    const { store } = scratchStore('pkg-idempotent');
    const zip = makeZip([{ name: 'index.js', data: 'exports.handler = 1;\n' }, { name: 'a/b.js', data: '2' }]);
    const first = await storePackage(store, zip);
    const inode = fs.statSync(first.dir).ino;
    const marker = path.join(first.dir, 'a', 'b.js');
    const mtime = fs.statSync(marker).mtimeMs;

    const second = await storePackage(store, zip);
    expect(second).toEqual({ ...first, unpacked: false });
    expect(fs.statSync(first.dir).ino).toBe(inode);
    expect(fs.statSync(marker).mtimeMs).toBe(mtime);

    const other = makeZip([{ name: 'index.js', data: 'exports.handler = 2;\n' }]);
    const both = await Promise.all([storePackage(store, other), storePackage(store, other)]);
    expect(both[0].dir).toBe(both[1].dir);
    expect(both.filter((s) => s.unpacked).length).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(path.join(both[0].dir, 'index.js'), 'utf8')).toBe('exports.handler = 2;\n');
    // No temp litter from the loser of the race.
    expect(fs.readdirSync(store).sort()).toEqual([first.sha256, `${first.sha256}.zip`, both[0].sha256, `${both[0].sha256}.zip`].sort());
    expect(await listPackages(store)).toEqual([first.sha256, both[0].sha256].sort());
  });

  it('deletes a package no longer referenced, and sweeps what a crash left', async () => {
    const { store } = scratchStore('pkg-delete');
    const keep = await storePackage(store, makeZip([{ name: 'keep.js', data: 'k' }]));
    const gone = await storePackage(store, makeZip([{ name: 'gone.js', data: 'g' }]));

    expect(await deletePackage(store, gone.codeSha256)).toBe(true);
    expect(packageDir(store, gone.codeSha256)).toBeUndefined();
    expect(packageZip(store, gone.sha256)).toBeUndefined();
    expect(await deletePackage(store, gone.codeSha256)).toBe(false);
    expect(await listPackages(store)).toEqual([keep.sha256]);

    // A crash mid-unpack leaves a temp dir, never a hash-named one.
    fs.mkdirSync(path.join(store, '.tmp-0123456789abcdef-XYZ', 'half'), { recursive: true });
    fs.writeFileSync(path.join(store, '.tmp-0011.zip'), 'partial');
    expect(await sweepPackageStore(store)).toBe(2);
    expect(fs.readdirSync(store).sort()).toEqual([keep.sha256, `${keep.sha256}.zip`]);
    expect(packageDir(store, keep.codeSha256)).toBe(keep.dir);
  });

  it('refuses names that are not digests where a digest becomes a path', () => {
    const { store } = scratchStore('pkg-digest');
    expect(() => packageDir(store, '../../etc')).toThrow(/is not a SHA-256 digest/);
    expect(() => packageDir(store, 'a'.repeat(63))).toThrow(TypeError);
    expect(packageDir(store, 'a'.repeat(64))).toBeUndefined();
  });

  it('validates its options with precise TypeErrors', async () => {
    const { store } = scratchStore('pkg-options');
    const zip = makeZip([]);
    await expect(storePackage(store, zip, { limits: { maxEntries: 0 } })).rejects.toThrow(/maxEntries must be a positive integer/);
    await expect(storePackage(store, 'UEsFBg==' as unknown as Buffer)).rejects.toThrow(TypeError);
  });
});

describe('architecture of executables', () => {
  /** Store `entries` (accepted whatever their architecture), then check the package against `arch`. */
  async function checked(entries: TestEntry[], arch: string): Promise<PackageError | undefined> {
    const stored = await storePackage(scratchStore('pkg-arch').store, makeZip(entries));
    try {
      checkPackageArchitecture(stored.dir, arch);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(PackageError);
      expect((error as PackageError).statusCode).toBe(400);
      return error as PackageError;
    }
  }

  it('refuses an ELF executable built for another machine than the function, naming both', async () => {
    const refusal = await checked(
      [
        { name: 'index.js', data: 'x' },
        { name: 'bootstrap', data: elfHeader(EM_AARCH64), unixMode: 0o100755 },
      ],
      'x86_64',
    );
    expect(refusal?.message).toMatch(
      /^Deployment package entry "bootstrap" is an ELF executable for aarch64 \(arm64\), but the function's architecture is x86_64: build it for x86_64, or set the function's Architectures to \["arm64"\]$/,
    );
    expect(refusal?.entry).toBe('bootstrap');
    // And the other way round, in a subdirectory, with Node's name for the function's machine.
    expect((await checked([{ name: 'bin/worker', data: elfHeader(EM_X86_64) }], 'arm64'))?.message).toMatch(
      /"bin\/worker" is an ELF executable for x86_64 \(x64\), but the function's architecture is arm64: build it for aarch64, or set the function's Architectures to \["x86_64"\]/,
    );
    // 32-bit code for the right machine is still the wrong binary, and no Architectures value would fit it.
    expect((await checked([{ name: 'bootstrap', data: elfHeader(EM_X86_64, { elfClass: 1 }) }], 'x64'))?.message).toMatch(
      /is an ELF executable for x86_64, 32-bit little-endian, but the function's architecture is x64: build it for x86_64$/,
    );
  });

  it('accepts executables for the function, and libraries of any architecture; one zip serves both architectures', async () => {
    const entries: TestEntry[] = [
      { name: 'bootstrap', data: fs.readFileSync('/bin/true') }, // this machine's own binary
      { name: 'prebuilds/linux-other/addon.node', data: elfHeader(EM_AARCH64, { type: 3 }) },
      { name: 'lib/libother.so.1.2', data: elfHeader(EM_AARCH64, { type: 3 }) },
      { name: 'obj/main.o', data: elfHeader(EM_AARCH64, { type: 1 }) },
      { name: 'README', data: 'not ELF' },
    ];
    const host = process.arch === 'x64' ? 'x86_64' : process.arch;
    expect(await checked(entries, host)).toBeUndefined();
    const stored = await storePackage(scratchStore('pkg-arch-ok').store, makeZip(entries));
    expect(stored.files).toBe(5);
    execFileSync(path.join(stored.dir, 'bootstrap'));

    // Stored without an architecture: the same zip is refused for one function and accepted for another.
    const arm = await storePackage(scratchStore('pkg-arch-arm').store, makeZip([{ name: 'bootstrap', data: elfHeader(EM_AARCH64) }]));
    expect(mode(path.join(arm.dir, 'bootstrap'))).toBe(0o755);
    expect(() => checkPackageArchitecture(arm.dir, 'arm64')).not.toThrow();
    expect(() => checkPackageArchitecture(arm.dir, 'x86_64')).toThrow(/"bootstrap" is an ELF executable for aarch64/);
  });
});

describe('hostile and broken zips', () => {
  it('refuses paths that escape the package, whatever the separator', async () => {
    const absolute = `/tmp/nanolambda-evil-${process.pid}`;
    const cases: Array<[string, RegExp]> = [
      ['../evil', /"\.\.\/evil" has a '\.\.' segment, which would write outside the package directory/],
      ['..\\evil', /has a '\.\.' segment/],
      ['a/../../evil', /has a '\.\.' segment/],
      ['a/./../b', /has a '\.\.' segment/],
      [absolute, /is an absolute path: zip the files from inside the package directory/],
      ['\\\\server\\share\\x', /is an absolute path/],
      ['C:\\Windows\\evil.dll', /starts with a drive letter/],
    ];
    for (const [name, message] of cases) {
      const refusal = await expectRefused(makeZip([{ name: 'ok.js', data: 'ok' }, { name, data: 'pwned' }]), message);
      expect(refusal.entry).toBe(name);
    }
    expect(fs.existsSync(absolute)).toBe(false);
  });

  it('refuses symbolic links, devices and FIFOs', async () => {
    await expectRefused(
      makeZip([{ name: 'passwd', data: '../../../../etc/passwd', unixMode: 0o120777 }]),
      /^Deployment package entry "passwd" is a symbolic link; nanolambda does not unpack links .*zip without -y/,
    );
    // Even a link that would stay inside.
    await expectRefused(makeZip([{ name: 'a.js', data: 'x' }, { name: 'b.js', data: 'a.js', unixMode: 0o120777 }]), /"b\.js" is a symbolic link/);
    await expectRefused(makeZip([{ name: 'tty', unixMode: 0o020666 }]), /"tty" is a character device/);
    await expectRefused(makeZip([{ name: 'disk', unixMode: 0o060660 }]), /"disk" is a block device/);
    await expectRefused(makeZip([{ name: 'pipe', unixMode: 0o010644 }]), /"pipe" is a FIFO/);
  });

  it.skipIf(!hasZip)('refuses a symbolic link stored by `zip -y`', async () => {
    const src = path.join(tempDir('pkg-zip-y'), 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'index.js'), 'x');
    fs.symlinkSync('/etc/passwd', path.join(src, 'passwd'));
    execFileSync('zip', ['-q', '-y', '-r', '../package.zip', '.'], { cwd: src });
    const zip = fs.readFileSync(path.join(src, '..', 'package.zip'));
    await expectRefused(zip, /"passwd" is a symbolic link/);
  });

  it('refuses duplicate names, a path that is both a file and a directory, and NUL in names', async () => {
    await expectRefused(makeZip([{ name: 'a.js', data: '1' }, { name: 'a.js', data: '2' }]), /"a\.js" appears twice in the zip/);
    await expectRefused(
      makeZip([{ name: 'a.js', data: '1' }, { name: './a.js', data: '2' }]),
      /"\.\/a\.js" appears twice in the zip \(as "a\.js" and "\.\/a\.js"\)/,
    );
    await expectRefused(makeZip([{ name: 'lib', data: 'x' }, { name: 'lib/', unixMode: 0o040755 }]), /appears twice/);
    await expectRefused(
      makeZip([{ name: 'lib', data: 'x' }, { name: 'lib/a.js', data: 'y' }]),
      /"lib\/a\.js" needs "lib" to be a directory, but the zip also has it as a file/,
    );
    await expectRefused(makeZip([{ name: 'a\0.js', data: '1' }]), /"a\\u0000\.js" has a NUL character in its name/);
    await expectRefused(makeZip([{ name: Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x73]), data: '1' }]), /not valid UTF-8/);
  });

  it('refuses a zip bomb by its declared size, before writing anything', async () => {
    const gigabyte = zerosDeflated(1024);
    expect(gigabyte.length).toBeLessThan(1.1 * 1024 * 1024); // 1 GB of zeros in about 1 MB
    const { base, store } = scratchStore('pkg-bomb');
    const zip = makeZip([{ name: 'zeros.bin', compressed: gigabyte, size: 1024 * 1024 * 1024, crc: 0 }]);
    const error = await storePackage(store, zip).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as PackageError).message).toBe(
      'Unzipped size must be smaller than 262144000 bytes (the files in this zip add up to 1073741824 bytes; ' +
        'the largest is "zeros.bin", 1073741824 bytes)',
    );
    expect(apiErrorFromInvoke(error)).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
    expect(fs.existsSync(path.join(base, 'state'))).toBe(false); // refused before the store was even created

    // Many small entries adding up past the limit: the same refusal.
    const slice = zerosDeflated(64);
    const many = makeZip(
      Array.from({ length: 5 }, (_, i) => ({ name: `part${i}.bin`, compressed: slice, size: 64 * 1024 * 1024, crc: 0 })),
    );
    await expectRefused(many, /^Unzipped size must be smaller than 262144000 bytes \(the files in this zip add up to 335544320 bytes/);
  });

  it('stops inflating an entry that lies about its size, having written about its declared size', async () => {
    const gigabyte = zerosDeflated(1024);
    for (const declared of [1000, 2 * 1024 * 1024]) {
      const written = bytesWritten();
      const zip = makeZip([{ name: 'small.txt', compressed: gigabyte, size: declared, crc: 0 }]);
      await expectRefused(
        zip,
        new RegExp(`entry "small\\.txt": it inflates to more than the ${declared} bytes the zip declares for it \\(a zip bomb`),
      );
      if (written !== undefined) expect(bytesWritten()! - written).toBeLessThan(declared + 16 * 1024 * 1024);
    }
  });

  it('refuses overlapping entries (the quoted-overlap bomb construction)', async () => {
    // Entry "b" is a valid entry whose local header and data lie inside the stored data of entry "a".
    const b = rawEntry({ name: 'b.bin', data: Buffer.alloc(1000), method: 0 });
    const inner = Buffer.concat([localHeader(b), b.payload]);
    const a = rawEntry({ name: 'a.bin', data: inner, method: 0 });
    const aLocal = localHeader(a);
    const body = Buffer.concat([aLocal, a.payload]);
    const cd = Buffer.concat([centralHeader(a, 0), centralHeader(b, aLocal.length)]);
    const zip = Buffer.concat([body, cd, endRecord(2, cd.length, body.length)]);
    await expectRefused(zip, /entries "a\.bin" and "b\.bin" overlap inside the zip \(a zip-bomb construction/);
  });

  it('refuses more entries than the limit, counted before parsing them', async () => {
    // A Zip64 end record claiming 100,001 entries: refused without reading one.
    const zip64End = Buffer.alloc(56);
    zip64End.writeUInt32LE(0x06064b50, 0);
    zip64End.writeBigUInt64LE(44n, 4);
    zip64End.writeBigUInt64LE(100_001n, 24);
    zip64End.writeBigUInt64LE(100_001n, 32);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(0n, 8);
    locator.writeUInt32LE(1, 16);
    const end = endRecord(0xffff, 0, 0);
    await expectRefused(
      Buffer.concat([zip64End, locator, end]),
      new RegExp(`has 100001 entries; at most ${LAMBDA_PACKAGE_LIMITS.maxEntries} files and directories are allowed`),
    );
    // And a lowered limit, with real entries.
    const eleven = makeZip(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: `${i}` })));
    await expectRefused(eleven, /has 11 entries; at most 10/, { limits: { maxEntries: 10 } });
  });

  it('refuses a zip over 50 MB with a 413, before reading it', async () => {
    const zip = Buffer.alloc(LAMBDA_PACKAGE_LIMITS.maxZippedBytes + 1);
    const refusal = await expectRefused(zip, /^Zipped size must be smaller than 52428800 bytes \(this zip is 52428801 bytes\)/, {
      status: 413,
    });
    expect(apiErrorFromInvoke(refusal)).toMatchObject({ status: 413, type: 'RequestEntityTooLargeException' });
  });

  it('refuses damaged zips: not a zip, truncated, bad CRC, short data, lying sizes', async () => {
    const good = makeZip([{ name: 'index.js', data: 'exports.handler = async () => "x".repeat(100);\n'.repeat(20) }]);
    await expectRefused(Buffer.from('this is not a zip file'), /^Could not unzip uploaded file: not a zip file/);
    await expectRefused(Buffer.alloc(0), /not a zip file \(no end-of-central-directory record in its 0 bytes\)/);
    await expectRefused(good.subarray(0, good.length - 10), /not a zip file/);
    await expectRefused(good.subarray(40), /not a zip file|central directory|local header/);

    const data = Buffer.from('console.log("hello");\n'.repeat(50));
    await expectRefused(makeZip([{ name: 'a.js', data, crc: 12345 }]), /entry "a\.js": its CRC-32 does not match its data/);
    // Found only after other files were written: the partial unpack is removed too.
    await expectRefused(
      makeZip([
        { name: 'lib/ok.js', data: Buffer.alloc(2 * 1024 * 1024, 'ok') },
        { name: 'z.js', data, crc: 1 },
      ]),
      /entry "z\.js": its CRC-32 does not match/,
    );
    await expectRefused(
      makeZip([{ name: 'a.js', data, size: data.length + 10 }]),
      new RegExp(`entry "a\\.js": it unpacks to ${data.length} bytes, not the ${data.length + 10}`),
    );
    const deflated = zlib.deflateRawSync(data);
    await expectRefused(
      makeZip([{ name: 'a.js', compressed: deflated.subarray(0, deflated.length - 5), size: data.length }]),
      /entry "a\.js": its compressed data is damaged \(unexpected end of file\)/,
    );
    await expectRefused(makeZip([{ name: 'a.js', data: 'abc', method: 0, size: 10 }]), /stored uncompressed but declares 3 bytes stored and 10 unpacked/);
    await expectRefused(
      makeZip([{ name: 'dir/', compressed: Buffer.from('xyz'), method: 0, size: 3, unixMode: 0o040755 }]),
      /entry "dir\/": it is a directory but declares 3 bytes of data/,
    );
  });

  it('refuses encrypted entries and compression methods Lambda cannot read', async () => {
    await expectRefused(makeZip([{ name: 'secret.js', data: 'x', flags: 1 }]), /"secret\.js" is encrypted/);
    await expectRefused(makeZip([{ name: 'a.js', data: 'x', method: 12 }]), /"a\.js" uses compression method 12 \(bzip2\)/);
  });
});
