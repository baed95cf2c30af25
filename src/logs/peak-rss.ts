// A process's peak resident set size (VmHWM in /proc/<pid>/status), the
// measured "Max Memory Used" of REPORT lines until cgroups report it.
import fs from 'node:fs';

const VM_HWM = Buffer.from('\nVmHWM:');
/** /proc/<pid>/status is ~1.5 KB; VmHWM sits in its first half. */
const scratch = Buffer.allocUnsafe(4096);

/**
 * VmHWM in KB, or undefined when the process is gone, is a zombie (its memory
 * is released and the line absent) or /proc is not there.
 */
export function readPeakRssKb(pid: number): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/status`, 'r');
  } catch {
    return undefined;
  }
  let length = 0;
  try {
    length = fs.readSync(fd, scratch, 0, scratch.length, 0);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
  const at = scratch.subarray(0, length).indexOf(VM_HWM);
  if (at < 0) return undefined;
  let i = at + VM_HWM.length;
  while (i < length && (scratch[i] === 0x20 || scratch[i] === 0x09)) i++;
  let kb = 0;
  let digits = 0;
  for (; i < length && scratch[i]! >= 0x30 && scratch[i]! <= 0x39; i++, digits++) kb = kb * 10 + scratch[i]! - 0x30;
  return digits > 0 ? kb : undefined;
}
