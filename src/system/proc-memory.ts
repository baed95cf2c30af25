// Memory of a process as Linux reports it in /proc/<pid>/status: VmRSS is
// what it holds now, VmHWM the peak ("high water mark") of its lifetime.
// Read only off the hot path: each read is an open, a read and a parse.
import fs from 'node:fs';

export interface ProcessMemory {
  rssKb: number;
  peakRssKb: number;
}

/** Undefined when the process is gone or /proc does not say. */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const rssKb = field(text, 'VmRSS');
  const peakRssKb = field(text, 'VmHWM');
  if (rssKb === undefined || peakRssKb === undefined) return undefined;
  return { rssKb, peakRssKb };
}

function field(text: string, name: string): number | undefined {
  const at = text.indexOf(`\n${name}:`);
  if (at < 0) return undefined;
  const value = Number.parseInt(text.slice(at + name.length + 2).trimStart(), 10);
  return Number.isFinite(value) ? value : undefined;
}
