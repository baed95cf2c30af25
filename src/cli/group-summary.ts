// How `start` and `demo` describe a group's functions in one line each.
import type { GroupConfig } from '../config/types';

export function describeFunctions(group: GroupConfig): string[] {
  const width = Math.max(4, ...group.functions.map((f) => f.name.length));
  return group.functions.map((f) => {
    const lifecycle = f.pinned ? 'pinned' : 'on-demand';
    const timeout = `${(f.timeoutMs / 1000).toFixed(f.timeoutMs % 1000 === 0 ? 0 : 2)} s`;
    return `  ${f.name.padEnd(width)}  ${f.version.padEnd(7)}  ${lifecycle.padEnd(9)}  ${f.encoding.padEnd(6)}  timeout ${timeout}  ${f.arn}`;
  });
}
