// How a function of a given architecture runs on this machine: natively when
// it is the host's; otherwise through a binfmt_misc handler (qemu-user), the
// kernel handing the executable to the emulator when the launcher execs it.
// Either way the worker loads the C SDK built for the function's
// architecture (an x86_64 libaws-greengrass-core-sdk-c.so cannot be loaded
// by an aarch64 executable), and an emulated dynamic executable needs its
// architecture's ld.so and libc, which qemu finds under QEMU_LD_PREFIX
// (Debian's libc6-<arch>-cross sysroot, or the function's own setting). A
// static executable (no PT_INTERP program header) needs neither, so it runs
// without the sysroot when the caller names the executable.
//
// Only C executables (the executable runtime) may be of another
// architecture: Python and Node.js functions run on this machine's own
// python3 and node, so their code and native modules are this machine's; a
// custom runtime's bootstrap could in principle run under qemu, but that is
// not tested, so it is refused too.
//
// Tested: arm64 on x86_64 (test/arm64-emulation.test.ts). x86_64 on arm64
// goes through the same code (qemu-x86_64, libc6-amd64-cross) but is
// UNTESTED: no arm64 machine runs the suite. qemu's own memory counts
// against the function's memory limit: an emulated function needs some tens
// of MB more.
import fs from 'node:fs';
import path from 'node:path';
import { runtimeKindOf } from '../config/function-runtime';
import { findSdkDir, missingSdkReason } from '../native/sdk-location';
import { hasProgramInterpreter, hostArchitecture, machineForArch, nodeArchOf } from '../system/architecture';
import { BINFMT_DIR, foreignArchHandler, unusableHandlers, type BinfmtHandler } from '../system/binfmt';

const QEMU_PACKAGE = 'qemu-user-static';
/** The variable through which a function names its own root for qemu's ld.so and library look-ups. */
const QEMU_LD_PREFIX = 'QEMU_LD_PREFIX';

/** What of a function, besides its architecture, decides whether it can run emulated. */
export interface ArchitectureSubject {
  /** Its Lambda runtime identifier (python3.11, provided.al2, arn:aws:greengrass:::runtime/function/executable…); absent: not checked. */
  runtime?: string;
  /** Its environment variables: QEMU_LD_PREFIX there replaces the cross sysroot. */
  environment?: Readonly<Record<string, string>>;
  /**
   * The file the launcher execs (a C executable, a bootstrap), on this host;
   * absent: not known, and then it is taken to be dynamic (needing the sysroot).
   */
  executable?: string;
}

export interface ArchitectureRun {
  /** The function's architecture (Lambda's name, or Node's on a machine Lambda has no name for). */
  architecture: string;
  /** libaws-greengrass-core-sdk-c.so's directory for that architecture, on the host. */
  sdkLibDir: string;
  /** Set when the architecture is not the host's. */
  emulation?: {
    handler: BinfmtHandler;
    /**
     * QEMU_LD_PREFIX for the worker: the cross sysroot; undefined when the
     * function's Environment sets its own, or its static executable needs none and this machine has none.
     */
    sysroot: string | undefined;
  };
}

/**
 * How a function of `arch` runs here, given the host's SDK library
 * directory; or why it cannot, in words naming the fix (`problem`, the end
 * of a sentence starting "function X has Architectures [...], and").
 */
export function architectureRun(arch: string, hostSdkLibDir: string, subject: ArchitectureSubject = {}): ArchitectureRun | { problem: string } {
  const host = hostArchitecture();
  if (arch === host) return { architecture: arch, sdkLibDir: hostSdkLibDir };
  const machine = machineForArch(arch);
  const sysroot = machine?.sysroot;
  if (machine === undefined || sysroot === undefined) {
    return { problem: `this machine is ${host} and cannot run ${arch} functions: only arm64 and x86_64 can be emulated` };
  }
  const runtimeProblem = subject.runtime === undefined ? undefined : foreignRuntimeProblem(subject.runtime);
  if (runtimeProblem !== undefined) return { problem: runtimeProblem };
  const nodeArch = nodeArchOf(arch);
  const handler = foreignArchHandler(nodeArch);
  if (handler === undefined) return { problem: noHandlerProblem(host, arch, machine.name, nodeArch) };
  const sdkDir = findSdkDir(nodeArch);
  if (sdkDir === undefined) return { problem: missingSdkReason(nodeArch) };
  const ownPrefix = subject.environment?.[QEMU_LD_PREFIX] !== undefined;
  const loader = path.join(sysroot.root, sysroot.loader);
  const haveSysroot = fs.existsSync(loader);
  // Read only when it matters: the sysroot is missing and nothing replaces it.
  if (!ownPrefix && !haveSysroot && (subject.executable === undefined || hasProgramInterpreter(subject.executable))) {
    const which = subject.executable === undefined ? `a dynamic ${arch} executable` : `its executable ${subject.executable} is dynamic, and`;
    return {
      problem:
        `this machine is ${host}: ${which} needs ${arch}'s ld.so and libc, which qemu-user looks up under ` +
        `${QEMU_LD_PREFIX} (default ${sysroot.root}), and ${loader} is missing. Install them (\`apt-get install ${sysroot.debianPackage}\`), ` +
        `set ${QEMU_LD_PREFIX} in the function's Environment to a directory holding them, or link the executable statically`,
    };
  }
  return {
    architecture: arch,
    sdkLibDir: path.join(sdkDir, 'lib'),
    emulation: { handler, sysroot: ownPrefix || !haveSysroot ? undefined : sysroot.root },
  };
}

/** Why a function of `arch` cannot run on this machine now, or undefined when it can. */
export function architectureProblem(arch: string, subject: ArchitectureSubject = {}): string | undefined {
  const run = architectureRun(arch, '', subject);
  return 'problem' in run ? run.problem : undefined;
}

/**
 * Why a function of `runtime` (a Lambda runtime identifier) cannot be of
 * another architecture than this machine's, or undefined when it can (a C
 * executable): all others run on this machine's own programs.
 */
export function foreignRuntimeProblem(runtime: string): string | undefined {
  const host = hostArchitecture();
  const kind = runtimeKindOf(runtime);
  if (kind === 'python' || kind === 'nodejs') {
    const program = kind === 'python' ? 'python3' : 'node';
    return (
      `${runtime} functions run on this machine's own ${program} (${host}), not under an emulator, so their code and native ` +
      `modules must be ${host}: leave Architectures out or set it to ["${host}"]`
    );
  }
  if (kind === 'provided') {
    return (
      `a custom runtime's bootstrap of another architecture is not supported (running it under qemu-user is untested): ` +
      `build the bootstrap for ${host} and set Architectures to ["${host}"], or make it a C executable function`
    );
  }
  return undefined;
}

function noHandlerProblem(host: string, arch: string, machineName: string, nodeArch: string): string {
  const stale = unusableHandlers(nodeArch);
  const found =
    stale.length === 0
      ? `no enabled binfmt_misc handler for ${machineName} in ${BINFMT_DIR}`
      : `the binfmt_misc handler ${stale.map((h) => `${h.file} names ${h.interpreter}, which is missing`).join('; ')} (qemu was removed?)`;
  return (
    `this machine is ${host}, and it runs ${arch} executables only through qemu-user: ${found}. Install ${QEMU_PACKAGE} ` +
    `(\`apt-get install ${QEMU_PACKAGE}\` registers its handlers; with binfmt_misc mounted: ` +
    `\`mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}\`), then deploy again; \`nanolambda doctor\` shows what it finds`
  );
}
