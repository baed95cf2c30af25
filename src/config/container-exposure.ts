// What the binds of a GreengrassContainer function must not reach.
//
// A container's root mirrors the host read-only, and empty mounts cover what
// no function may see there: the runtime's StateDir and LogDir, the group file,
// its keys and secret values (private-files.ts) and every function's code. Those covering mounts apply inside the mirror
// only: a bind mount (the function's own code at /lambda, each volume) shows
// its source's tree as the host has it. So a bind source that holds a
// protected path, or lies inside one, exposes it to the function.
//
// Paths are compared as real paths (symlinks resolved); a StateDir or LogDir
// that does not exist yet (the runtime creates it) by the real path of its
// nearest existing ancestor. Entries with the same code (a version and an
// alias of one function) may share it. NoContainer functions see the host
// anyway and are not checked, but their code is protected from the others.
import fs from 'node:fs';
import path from 'node:path';
import { childPath, type Fields } from './fields';
import type { PrivateFile } from './private-files';
import type { FunctionSpec } from './types';

export interface ExposureInput {
  functions: readonly FunctionSpec[];
  stateDir: string;
  logDir: string;
  /** The group file's absolute path; undefined when there is none (parseGroup given a label like '<built-in>'). */
  groupFile: string | undefined;
  /** Keys and secret values the runtime reads (private-files.ts). */
  privateFiles: readonly PrivateFile[];
  /** JSON path of the policy that gives functions[index] its volume `resourceId`. */
  policyPath(index: number, resourceId: string): string;
}

/** What a bind must not reach. */
interface Protected {
  /** "the runtime's StateDir /x/state" */
  what: string;
  real: string;
  /** How to move it out of the way. */
  fix: string;
}

/** A bind into a container: a function's code or one of its volumes. */
interface Bind {
  /** "<arn>'s volume /srv (resource "data")" */
  label: string;
  /** 'code' or 'volume', in "it lies inside the ...". */
  noun: string;
  real: string;
  jsonPath: string;
  /** How to make it smaller, when it holds a protected path. */
  narrower: string;
  /** How to move it, when it is or lies inside a protected path. */
  elsewhere: string;
}

/** Refuse a container function whose code or volume exposes a protected path. Throws ConfigError. */
export function checkContainerExposure(input: ExposureInput, f: Fields): void {
  const { functions } = input;
  const runtimeOwn: Protected[] = [
    protect("the runtime's StateDir", input.stateDir, 'set Nanolambda.StateDir elsewhere'),
    protect("the runtime's LogDir", input.logDir, 'set Nanolambda.LogDir elsewhere'),
  ];
  if (input.groupFile !== undefined) runtimeOwn.push(protect('the group file', input.groupFile, 'keep the group file elsewhere'));
  for (const file of input.privateFiles) runtimeOwn.push(protect(file.what, file.path, file.fix));
  const codeReal = functions.map((fn) => realPathOf(fn.codeRoot));

  functions.forEach((fn, i) => {
    if (fn.isolationMode !== 'GreengrassContainer') return;
    const ownCode = codeReal[i]!;
    const protectedPaths = [...runtimeOwn];
    functions.forEach((other, j) => {
      if (codeReal[j] === ownCode || protectedPaths.some((p) => p.real === codeReal[j])) return;
      protectedPaths.push({
        what: `${other.arn}'s code ${shown(other.codeRoot, codeReal[j]!)}`,
        real: codeReal[j]!,
        fix: `move ${other.arn}'s code elsewhere`,
      });
    });

    const binds: Bind[] = [
      {
        label: `${fn.arn}'s code ${shown(fn.codeRoot, ownCode)}`,
        noun: 'code',
        real: ownCode,
        jsonPath: childPath('Nanolambda.Code', fn.arn),
        narrower: 'point Nanolambda.Code at a directory holding only the code',
        elsewhere: 'keep the code elsewhere',
      },
      ...fn.volumes.map((v): Bind => {
        const real = realPathOf(v.source);
        return {
          label: `${fn.arn}'s volume ${shown(v.source, real)} (resource ${JSON.stringify(v.resourceId)})`,
          noun: 'volume',
          real,
          jsonPath: input.policyPath(i, v.resourceId),
          narrower: 'use a narrower SourcePath',
          elsewhere: 'choose another SourcePath',
        };
      }),
    ];
    for (const bind of binds) {
      for (const p of protectedPaths) checkBind(bind, p, f);
    }
  });
}

function checkBind(bind: Bind, p: Protected, f: Fields): void {
  if (p.real === bind.real) {
    throw f.error(bind.jsonPath, `${bind.label} exposes ${p.what} to the function: they are the same path; ${bind.elsewhere} or ${p.fix}`);
  }
  if (within(p.real, bind.real)) {
    throw f.error(
      bind.jsonPath,
      `${bind.label} exposes ${p.what} to the function: it lies inside the ${bind.noun}, and the mounts that hide it from containers do not reach into bind mounts; ${bind.narrower} or ${p.fix}`,
    );
  }
  if (within(bind.real, p.real)) {
    throw f.error(bind.jsonPath, `${bind.label} exposes part of ${p.what} to the function: the ${bind.noun} lies inside it; ${bind.elsewhere} or ${p.fix}`);
  }
}

function protect(what: string, p: string, fix: string): Protected {
  const real = realPathOf(p);
  return { what: `${what} ${shown(p, real)}`, real, fix };
}

/** A path as configured, and what it resolves to when that differs. */
function shown(p: string, real: string): string {
  return p === real ? p : `${p} (resolving to ${real})`;
}

/** `p` strictly below `dir` (normalized absolute paths). */
function within(p: string, dir: string): boolean {
  return p !== dir && p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/**
 * The real path of `p` (absolute): symlinks resolved. Of a path that does not
 * exist (yet), the real path of its nearest existing ancestor joined with the rest.
 */
export function realPathOf(p: string): string {
  const rest: string[] = [];
  let dir = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...rest);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return path.resolve(p);
      rest.unshift(path.basename(dir));
      dir = parent;
    }
  }
}
