// Where a function's executable is on this machine: Nanolambda.Code maps the
// FunctionArn to a path (relative to the config file's directory). A directory
// holds FunctionConfiguration.Executable; a file is the executable itself.
//
// Executable names a file inside the directory ("run", "bin/run"): a
// container sees only the directory (at /lambda) and runs the executable at
// /lambda/<its path in the directory>, so "../x" or "/elsewhere/x" is refused.
import fs from 'node:fs';
import path from 'node:path';

/** Executable leads out of the code directory: the fault is Executable's, not the code path's. */
export class ExecutableOutsideCodeError extends Error {}

/**
 * Absolute path of the executable, checked to exist, be a regular file and be
 * executable by this process. Throws Error with a reason that says what to do.
 */
export function resolveExecutable(codePath: string, executable: string, baseDir: string): string {
  const code = path.resolve(baseDir, codePath);
  const codeStat = statOrExplain(code, 'the code path');
  const file = codeStat.isDirectory() ? path.resolve(code, executable) : code;
  if (file !== code && !file.startsWith(code === '/' ? '/' : `${code}/`)) {
    throw new ExecutableOutsideCodeError(
      `'${executable}' resolves to ${file}, outside the code directory ${code}: name a file inside it (a container runs it at /lambda/<its path in the directory>)`,
    );
  }
  const st = file === code ? codeStat : statOrExplain(file, `the executable '${executable}' in ${code}`);
  if (st.isDirectory()) throw new Error(`${file} is a directory, expected the executable file`);
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  const mode = st.mode & 0o7777;
  if ((mode & 0o111) === 0) {
    throw new Error(`${file} is not executable (mode ${mode.toString(8).padStart(4, '0')}): chmod +x it`);
  }
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    throw new Error(
      `${file} is not executable by this user (uid ${uid}; mode ${mode.toString(8).padStart(4, '0')}, owner uid ${st.uid}): fix its mode or owner`,
    );
  }
  return file;
}

function statOrExplain(p: string, what: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Error(`${what} ${p} does not exist`);
    if (code === 'EACCES') throw new Error(`${what} ${p} cannot be read: permission denied`);
    throw new Error(`${what} ${p} cannot be read: ${(err as Error).message}`);
  }
}
