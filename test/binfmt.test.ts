// binfmt_misc detection (src/system/binfmt.ts) on fixture directories
// written in the kernel's format (what fs/binfmt_misc.c shows in each
// registration file): which handler takes aarch64 ELF executables, with the
// offset, the mask, the interpreter's presence and flag F all counting.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foreignArchHandler, parseBinfmtEntry, unusableHandlers } from '../src/system/binfmt';
import { tempDir } from './helpers/sdk';

/** qemu-user-static's aarch64 registration, as Debian's binfmt-support writes it. */
const AARCH64_MAGIC = '7f454c460201010000000000000000000200b700';
/** The same mask serves both: it clears the OS ABI byte and bit 0 of e_type (ET_EXEC 2 and ET_DYN 3). */
const ELF64_EXEC_MASK = 'ffffffffffffff00fffffffffffffffffeffffff';
const X86_64_MAGIC = '7f454c4602010100000000000000000002003e00';

function entryText(options: { enabled?: boolean; interpreter: string; flags?: string; offset?: number; magic: string; mask?: string }): string {
  return [
    options.enabled === false ? 'disabled' : 'enabled',
    `interpreter ${options.interpreter}`,
    `flags: ${options.flags ?? ''}`,
    `offset ${options.offset ?? 0}`,
    `magic ${options.magic}`,
    ...(options.mask === undefined ? [] : [`mask ${options.mask}`]),
    '',
  ].join('\n');
}

/** A fixture binfmt_misc directory: status, register, and the given entries. */
function binfmtDir(entries: Record<string, string>, status = 'enabled'): string {
  const dir = tempDir('binfmt');
  fs.writeFileSync(path.join(dir, 'status'), `${status}\n`);
  fs.writeFileSync(path.join(dir, 'register'), '');
  for (const [name, text] of Object.entries(entries)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** An interpreter that exists (this test's own Node) and one that does not. */
const PRESENT = process.execPath;
const ABSENT = '/nonexistent/qemu-aarch64-static';

describe('binfmt_misc detection', () => {
  it('parses a registration file in the kernel format', () => {
    const entry = parseBinfmtEntry(entryText({ interpreter: PRESENT, flags: 'OCF', offset: 0, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }));
    expect(entry).toEqual({
      enabled: true,
      interpreter: PRESENT,
      flags: 'OCF',
      offset: 0,
      magic: Buffer.from(AARCH64_MAGIC, 'hex'),
      mask: Buffer.from(ELF64_EXEC_MASK, 'hex'),
    });
    expect(parseBinfmtEntry('enabled\ninterpreter /usr/bin/wine\nflags: \nextension .exe\n')).toEqual({
      enabled: true,
      interpreter: '/usr/bin/wine',
      flags: '',
    });
    expect(parseBinfmtEntry('')).toBeUndefined();
  });

  it("finds qemu's aarch64 handler (masked magic, offset 0) and says what it found", () => {
    const dir = binfmtDir({
      'qemu-x86_64': entryText({ interpreter: PRESENT, magic: X86_64_MAGIC, mask: ELF64_EXEC_MASK }),
      'qemu-aarch64': entryText({ interpreter: PRESENT, flags: 'F', magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }),
    });
    expect(foreignArchHandler('arm64', dir)).toEqual({ file: path.join(dir, 'qemu-aarch64'), interpreter: PRESENT, flags: 'F' });
    expect(foreignArchHandler('x64', dir)?.file).toBe(path.join(dir, 'qemu-x86_64'));
    // Lambda's name finds the same handler as Node's.
    expect(foreignArchHandler('x86_64', dir)?.file).toBe(path.join(dir, 'qemu-x86_64'));
  });

  it('needs the mask: without it, a magic with e_type 2 does not take PIE (e_type 3) executables', () => {
    const dir = binfmtDir({ 'qemu-aarch64': entryText({ interpreter: PRESENT, magic: AARCH64_MAGIC }) });
    expect(foreignArchHandler('arm64', dir)).toBeUndefined();
    // Bytes a magic does not cover match anything, as in the kernel: one of the ELF identification only (16 bytes) takes every 64-bit little-endian ELF file.
    const short = binfmtDir({ anyelf: entryText({ interpreter: PRESENT, magic: AARCH64_MAGIC.slice(0, 32) }) });
    expect(foreignArchHandler('arm64', short)?.file).toBe(path.join(short, 'anyelf'));
  });

  it('refuses a handler at another offset than 0, though its bytes would match there', () => {
    const dir = binfmtDir({ shifted: entryText({ interpreter: PRESENT, offset: 4, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }) });
    expect(foreignArchHandler('arm64', dir)).toBeUndefined();
  });

  it('refuses a disabled handler, and every handler while binfmt_misc is switched off or not mounted', () => {
    const entry = entryText({ interpreter: PRESENT, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK });
    expect(foreignArchHandler('arm64', binfmtDir({ q: entryText({ enabled: false, interpreter: PRESENT, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }) }))).toBeUndefined();
    expect(foreignArchHandler('arm64', binfmtDir({ q: entry }, 'disabled'))).toBeUndefined();
    const unmounted = binfmtDir({ q: entry });
    fs.rmSync(path.join(unmounted, 'status'));
    expect(foreignArchHandler('arm64', unmounted)).toBeUndefined();
  });

  it('needs the interpreter to exist unless flag F holds it open', () => {
    const stale = binfmtDir({ 'qemu-aarch64': entryText({ interpreter: ABSENT, flags: 'OC', magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }) });
    expect(foreignArchHandler('arm64', stale)).toBeUndefined();
    expect(unusableHandlers('arm64', stale)).toEqual([{ file: path.join(stale, 'qemu-aarch64'), interpreter: ABSENT, flags: 'OC' }]);
    const opened = binfmtDir({ 'qemu-aarch64': entryText({ interpreter: ABSENT, flags: 'OCF', magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }) });
    expect(foreignArchHandler('arm64', opened)?.flags).toBe('OCF');
  });

  it('with several matching handlers (the kernel tries the newest, which the listing does not tell), needs all usable', () => {
    const good = entryText({ interpreter: PRESENT, flags: 'F', magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK });
    const bad = entryText({ interpreter: ABSENT, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK });
    expect(foreignArchHandler('arm64', binfmtDir({ a: good, b: bad }))).toBeUndefined();
    expect(foreignArchHandler('arm64', binfmtDir({ a: bad, b: good }))).toBeUndefined();
    expect(foreignArchHandler('arm64', binfmtDir({ a: good, b: good }))?.file).toMatch(/\/a$/);
  });

  it('has no handler for an architecture it cannot name, or a 32-bit one', () => {
    const dir = binfmtDir({ 'qemu-aarch64': entryText({ interpreter: PRESENT, magic: AARCH64_MAGIC, mask: ELF64_EXEC_MASK }) });
    expect(foreignArchHandler('sparc', dir)).toBeUndefined();
    expect(foreignArchHandler('arm', dir)).toBeUndefined();
  });
});
