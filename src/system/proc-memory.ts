// Memory of a process as Linux reports it in /proc/<pid>/status: VmRSS is
// what it holds now, VmHWM the peak ("high water mark") of its lifetime, the
// measured "Max Memory Used" of REPORT lines until cgroups report it.
// A read costs ~13 µs (open, read, close, scan), so it stays off the hot
// path: the log reads VmHWM at most once per batch, `ps` on request.
import fs from 'node:fs';

const VM_RSS = Buffer.from('\nVmRSS:');
const VM_HWM = Buffer.from('\nVmHWM:');
/** /proc/<pid>/status is ~1.5 KB; both fields sit in its first half. */
const scratch = Buffer.allocUnsafe(4096);

/** Peak RSS in KB; undefined when the process is gone, a zombie, or /proc is not there. */
export function readPeakRssKb(pid: number): number | undefined {
  const length = readStatus(pid);
  return length === undefined ? undefined : fieldKb(length, VM_HWM);
}

/** RSS now and at its peak, in KB; undefined as for readPeakRssKb. */
export function readProcessMemory(pid: number): { rssKb: number; peakRssKb: number } | undefined {
  const length = readStatus(pid);
  if (length === undefined) return undefined;
  const rssKb = fieldKb(length, VM_RSS);
  const peakRssKb = fieldKb(length, VM_HWM);
  return rssKb === undefined || peakRssKb === undefined ? undefined : { rssKb, peakRssKb };
}

/** Read /proc/<pid>/status into scratch; its length, or undefined. */
function readStatus(pid: number): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/status`, 'r');
  } catch {
    return undefined;
  }
  try {
    return fs.readSync(fd, scratch, 0, scratch.length, 0);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The number after `name` in scratch[0, length) (a zombie has no Vm* lines). */
function fieldKb(length: number, name: Buffer): number | undefined {
  const at = scratch.subarray(0, length).indexOf(name);
  if (at < 0) return undefined;
  let i = at + name.length;
  while (i < length && (scratch[i] === 0x20 || scratch[i] === 0x09)) i++;
  let kb = 0;
  let digits = 0;
  for (; i < length && scratch[i]! >= 0x30 && scratch[i]! <= 0x39; i++, digits++) kb = kb * 10 + scratch[i]! - 0x30;
  return digits > 0 ? kb : undefined;
}
