// FunctionConfiguration.Architectures: the machine a function's executables
// are built for, named and shaped as in the Lambda API (a list of exactly
// one, "x86_64" or "arm64"); default this machine's. Checked here, where the
// group file says it: the value; that the runtime can be of another
// architecture than this machine's (only C executables can:
// isolation/function-architecture.ts says why); and that the executable (a C
// function's, a custom runtime's bootstrap) is an ELF file for that
// architecture when it is ELF at all. Whether this machine can run a foreign
// architecture now (a qemu-user handler, the cross sysroot, the SDK) is the
// deployment's question, not the file's.
import { foreignRuntimeProblem } from '../isolation/function-architecture';
import { elfMismatch, hostArchitecture, LAMBDA_ARCHITECTURES, readElfHead } from '../system/architecture';
import type { Fields } from './fields';

/**
 * The architecture of the function whose FunctionConfiguration is at
 * `cfgPath` (Architectures absent: this machine's), refused at
 * `${cfgPath}.Architectures` when its runtime (a Lambda runtime identifier)
 * cannot be of it, or at `${cfgPath}.Executable` when `executable` (the file
 * the runtime runs; undefined for Python and Node.js, whose code is a
 * directory) is an ELF executable for another.
 */
export function parseFunctionArchitecture(value: unknown, cfgPath: string, runtime: string, executable: string | undefined, f: Fields): string {
  const path = `${cfgPath}.Architectures`;
  const architecture = value === undefined ? hostArchitecture() : parseArchitectures(value, path, f);
  if (architecture !== hostArchitecture()) {
    const problem = foreignRuntimeProblem(runtime);
    if (problem !== undefined) throw f.error(path, problem);
  }
  if (executable !== undefined) checkExecutableArchitecture(executable, architecture, `${cfgPath}.Executable`, f);
  return architecture;
}

function parseArchitectures(value: unknown, path: string, f: Fields): string {
  const list = f.array(value, path);
  if (list.length !== 1) {
    throw f.error(path, `expected exactly one architecture, as in ["arm64"], found ${list.length}: a function is built for one machine`);
  }
  return f.oneOf(list[0], `${path}[0]`, LAMBDA_ARCHITECTURES);
}

/** Refuse (at `path`) an ELF executable `file` built for another machine than `architecture`. */
function checkExecutableArchitecture(file: string, architecture: string, path: string, f: Fields): void {
  let head: Buffer;
  try {
    head = readElfHead(file);
  } catch {
    return; // unreadable: the launcher says why when it runs it
  }
  const problem = elfMismatch(file, head, architecture);
  if (problem !== undefined) throw f.error(path, `${file} ${problem}`);
}
