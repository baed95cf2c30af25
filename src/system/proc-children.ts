// A process's children as Linux lists them in /proc/<pid>/task/<pid>/children
// (kernels with CONFIG_PROC_CHILDREN, which distributions enable).
import fs from 'node:fs';

export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
