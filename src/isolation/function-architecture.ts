// How a function of a given architecture runs on this machine: natively when
// it is the host's; otherwise through a binfmt_misc handler (qemu-user), the
// kernel handing the executable to the emulator when the launcher execs it.
// Either way the worker loads the C SDK built for the function's
// architecture (an x86_64 libaws-greengrass-core-sdk-c.so cannot be loaded
// by an aarch64 executable), and an emulated dynamic executable needs its
// architecture's ld.so and libc, which qemu finds under QEMU_LD_PREFIX.
//
// Supported foreign architectures: arm64 on x86_64, and x86_64 on arm64 (the
// same mechanism, qemu-x86_64). qemu's own memory counts against the
// function's memory limit: an emulated function needs some tens of MB more.
import fs from 'node:fs';
import path from 'node:path';
import { hostArchitecture, machineForArch, nodeArchOf } from '../lambda/package/elf-machine';
import { findSdkDir, missingSdkReason } from '../native/sdk-location';
import { BINFMT_DIR, foreignArchHandler, type BinfmtHandler } from '../system/binfmt';

/**
 * Where Debian's cross libraries (libc6-<arch>-cross) put an architecture's
 * ld.so and libc: the root qemu looks up a dynamic executable's interpreter
 * and libraries under.
 */
const SYSROOTS: Record<string, string> = { arm64: '/usr/aarch64-linux-gnu', x86_64: '/usr/x86_64-linux-gnu' };
const QEMU_PACKAGE = 'qemu-user-static';

export interface ArchitectureRun {
  /** The function's architecture (Lambda's name, or Node's on a machine Lambda has no name for). */
  architecture: string;
  /** libaws-greengrass-core-sdk-c.so's directory for that architecture, on the host. */
  sdkLibDir: string;
  /** Set when the architecture is not the host's. */
  emulation?: {
    handler: BinfmtHandler;
    /** QEMU_LD_PREFIX's default: the architecture's sysroot, when this machine has it. */
    sysroot: string | undefined;
  };
}

/**
 * How functions of `arch` run here, given the host's SDK library directory;
 * or why they cannot, in words naming the fix (`problem`).
 */
export function architectureRun(arch: string, hostSdkLibDir: string): ArchitectureRun | { problem: string } {
  const host = hostArchitecture();
  if (arch === host) return { architecture: arch, sdkLibDir: hostSdkLibDir };
  const machine = machineForArch(arch);
  const nodeArch = nodeArchOf(arch);
  if (machine === undefined || SYSROOTS[arch] === undefined) {
    return { problem: `this machine is ${host} and cannot run ${arch} functions: only arm64 and x86_64 can be emulated` };
  }
  const handler = foreignArchHandler(nodeArch);
  if (handler === undefined) {
    return {
      problem:
        `this machine is ${host}, and it runs ${arch} executables only through qemu-user: no enabled binfmt_misc handler ` +
        `for ${machine.name} in ${BINFMT_DIR}. Install ${QEMU_PACKAGE} (\`apt-get install ${QEMU_PACKAGE}\` registers ` +
        `its handlers; with binfmt_misc mounted: \`mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}\`), then deploy again; ` +
        '`nanolambda doctor` shows what it finds',
    };
  }
  const sdkDir = findSdkDir(nodeArch);
  if (sdkDir === undefined) return { problem: missingSdkReason(nodeArch) };
  const sysroot = SYSROOTS[arch]!;
  return {
    architecture: arch,
    sdkLibDir: path.join(sdkDir, 'lib'),
    emulation: { handler, sysroot: fs.existsSync(sysroot) ? sysroot : undefined },
  };
}

/** Why functions of `arch` cannot run on this machine now, or undefined when they can. */
export function architectureProblem(arch: string): string | undefined {
  const run = architectureRun(arch, '');
  return 'problem' in run ? run.problem : undefined;
}
