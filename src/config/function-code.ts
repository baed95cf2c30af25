// Where a group-file function's code is (Nanolambda.Code[<arn>], relative to
// the group file) and the file its runtime runs: a C executable's file, a
// custom runtime's `bootstrap`, or for Python and Node.js the code directory
// itself (their handler names a module in it).
import fs from 'node:fs';
import { resolve as resolvePath } from 'node:path'; // `path` names JSON paths in this file
import { ExecutableOutsideCodeError, resolveExecutable } from './code-path';
import { childPath, describe, type Fields } from './fields';
import type { RuntimeKind } from './function-runtime';
import type { NanolambdaSection } from './nanolambda-section';
import { checkPathCharacters } from './resources';

export interface CodeQuery {
  arn: string;
  /** The entry's JSON path, and its FunctionConfiguration's. */
  path: string;
  cfgPath: string;
  /** FunctionConfiguration.Executable: the executable's name, or a handler. */
  executable: string;
  runtime: { kind: RuntimeKind; id: string };
  local: NanolambdaSection;
  baseDir: string;
}

/** The code's root and the file run (see above); refused at Nanolambda.Code[<arn>] or at Executable. */
export function functionCode(q: CodeQuery, f: Fields): { codeRoot: string; file: string } {
  const codeKey = childPath('Nanolambda.Code', q.arn);
  const codePath = q.local.code.get(q.arn);
  if (codePath === undefined) {
    throw f.error(
      codeKey,
      `missing: ${q.path} (${q.arn}) needs the local path of its code: a directory holding "${q.executable}", or the executable itself`,
    );
  }
  // Resolved as resolveExecutable resolves it (no realpath), so the two agree.
  const codeRoot = resolvePath(q.baseDir, codePath);
  checkPathCharacters(codeRoot, codeKey, f);
  if (q.runtime.kind === 'python' || q.runtime.kind === 'nodejs') {
    if (!isDirectory(codeRoot)) throw f.error(codeKey, `${q.runtime.id} code must be a directory holding the handler's module, found ${describe(codeRoot)}`);
    return { codeRoot, file: codeRoot };
  }
  try {
    // A custom runtime's program is always its code's `bootstrap`.
    return { codeRoot, file: resolveExecutable(codePath, q.runtime.kind === 'provided' ? 'bootstrap' : q.executable, q.baseDir) };
  } catch (err) {
    throw f.error(err instanceof ExecutableOutsideCodeError ? `${q.cfgPath}.Executable` : codeKey, (err as Error).message);
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
