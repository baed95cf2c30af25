// binfmt_misc checks: whether the kernel can run executables of another
// CPU through an emulator (qemu-user). Only arm64 functions on an x86_64
// machine need that, so an absence is a warning, never a failure. The
// detection is the runtime's own (system/binfmt.ts): what doctor says is what
// a deployment will find.
import os from 'node:os';
import path from 'node:path';
import { BINFMT_DIR, binfmtMounted, foreignArchHandler } from '../system/binfmt';
import { check, type CheckResult } from './check';
import { readText } from './read-file';

const FILESYSTEMS = '/proc/filesystems';

export function binfmtChecks(): CheckResult[] {
  const supported = (readText(FILESYSTEMS) ?? '').split('\n').some((line) => line.split('\t').includes('binfmt_misc'));
  const status = path.join(BINFMT_DIR, 'status');
  const mounted = binfmtMounted();
  const results = [
    check('binfmt_misc', supported ? 'ok' : 'warning', supported ? `listed in ${FILESYSTEMS}` : `not in ${FILESYSTEMS}`),
    check(
      'binfmt_misc mount',
      mounted ? 'ok' : 'warning',
      mounted ? `${status} exists` : `${status} does not exist: mount it with \`mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}\``,
    ),
  ];
  if (os.machine() === 'aarch64') {
    results.push(check('aarch64 handler', 'ok', 'the machine is aarch64: arm64 functions run natively'));
    return results;
  }
  const handler = foreignArchHandler('arm64');
  results.push(
    check(
      'aarch64 handler',
      handler === undefined ? 'warning' : 'ok',
      handler === undefined
        ? `no enabled aarch64 handler in ${BINFMT_DIR}: arm64 functions cannot run (install qemu-user-static, which registers one)`
        : `${handler.file} (interpreter ${handler.interpreter}${handler.flags ? `, flags ${handler.flags}` : ''})`,
    ),
  );
  return results;
}
