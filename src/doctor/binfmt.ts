// Foreign-architecture checks: whether the kernel can run executables of
// another CPU through an emulator (qemu-user, via binfmt_misc), and whether
// the cross sysroot (that architecture's ld.so and libc) and nanolambda's C
// SDK for it are here. Only functions of another architecture than the
// machine's need them (arm64 functions on x86_64; the reverse is the same
// mechanism, untested), so an absence is a warning, never a failure. The
// detection is the runtime's own (system/binfmt.ts, system/architecture.ts,
// native/sdk-location.ts): what doctor says is what a deployment will find.
import fs from 'node:fs';
import path from 'node:path';
import { findSdkDir, missingSdkReason, SDK_LIBRARY } from '../native/sdk-location';
import { hostArchitecture, LAMBDA_ARCHITECTURES, machineForArch } from '../system/architecture';
import { BINFMT_DIR, binfmtMounted, foreignArchHandler, unusableHandlers } from '../system/binfmt';
import { check, type CheckResult } from './check';
import { readText } from '../system/read-text';

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
  const host = hostArchitecture();
  // The one other architecture a function can declare: arm64 on x86_64, x86_64 on arm64.
  const foreign = LAMBDA_ARCHITECTURES.includes(host as never) ? LAMBDA_ARCHITECTURES.find((name) => name !== host) : undefined;
  const machine = foreign === undefined ? undefined : machineForArch(foreign);
  if (foreign === undefined || machine?.sysroot === undefined) {
    results.push(check('foreign architectures', 'warning', `the machine is ${host}: functions can only be ${host}, which run natively`));
    return results;
  }
  const who = `${foreign} functions`;
  const handler = foreignArchHandler(foreign);
  const stale = unusableHandlers(foreign);
  results.push(
    check(
      `${machine.name} handler`,
      handler === undefined ? 'warning' : 'ok',
      handler !== undefined
        ? `${handler.file} (interpreter ${handler.interpreter}${handler.flags ? `, flags ${handler.flags}` : ''})`
        : stale.length > 0
          ? `${stale.map((h) => `${h.file} names ${h.interpreter}, which is missing`).join('; ')}: ${who} cannot run (reinstall qemu-user-static)`
          : `no enabled ${machine.name} handler in ${BINFMT_DIR}: ${who} cannot run (install qemu-user-static, which registers one)`,
    ),
  );
  const loader = path.join(machine.sysroot.root, machine.sysroot.loader);
  results.push(
    check(
      `${machine.name} sysroot`,
      fs.existsSync(loader) ? 'ok' : 'warning',
      fs.existsSync(loader)
        ? `${loader} (QEMU_LD_PREFIX ${machine.sysroot.root} for dynamic ${who})`
        : `${loader} is missing: dynamic ${who} cannot start (apt-get install ${machine.sysroot.debianPackage}, ` +
            "or set QEMU_LD_PREFIX in each one's Environment)",
    ),
  );
  const sdkDir = findSdkDir(machine.nodeArch);
  results.push(
    check(
      `${foreign} sdk`,
      sdkDir === undefined ? 'warning' : 'ok',
      sdkDir === undefined ? `${missingSdkReason(machine.nodeArch)}: ${who} cannot run` : `${path.join(sdkDir, SDK_LIBRARY)} (for ${who})`,
    ),
  );
  return results;
}
