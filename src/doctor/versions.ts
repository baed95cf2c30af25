// Version checks: the C library the native parts link against (glibc, as
// Node's own diagnostic report reads it) and Node against package.json's
// engines.node.
import { packageRoot } from '../native/binding';
import path from 'node:path';
import { check, type CheckResult } from './check';

export function versionChecks(): CheckResult[] {
  return [glibcCheck(), nodeCheck()];
}

function glibcCheck(): CheckResult {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const version = header?.glibcVersionRuntime;
  // Without glibc (musl: Alpine) the prebuilt native parts cannot load; a build from source may.
  return version === undefined
    ? check('glibc', 'warning', 'not a glibc system (process.report header has no glibcVersionRuntime): prebuilt native parts need glibc')
    : check('glibc', 'ok', `${version} (process.report header glibcVersionRuntime)`);
}

function nodeCheck(): CheckResult {
  const file = path.join(packageRoot, 'package.json');
  const range = ((require(file) as { engines?: { node?: string } }).engines?.node ?? '').trim();
  const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  if (minimum === null) return check('node', 'warning', `${process.version}; cannot read engines.node '${range}' in ${file}`);
  const want = [1, 2, 3].map((i) => Number(minimum[i] ?? 0));
  const have = process.versions.node.split('.').map(Number);
  const newer = compare(have, want) >= 0;
  return check('node', newer ? 'ok' : 'missing', `${process.version} ${newer ? 'satisfies' : 'does not satisfy'} engines.node '${range}' in ${file}`);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
