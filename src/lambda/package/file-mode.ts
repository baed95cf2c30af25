// File modes for an unpacked package, chosen so the function can always read
// its code and run its executables whoever it runs as: the zip's own
// permissions are not trusted (a 0600 handler gives "Permission denied" on
// /var/task for another uid; a zip made on Windows has no mode bits at all,
// so its `bootstrap` would not be executable). Never setuid, setgid or sticky.
import { isElf } from '../../system/architecture';

export const DIRECTORY_MODE = 0o755;
export const FILE_MODE = 0o644;
export const EXECUTABLE_MODE = 0o755;

/** A script with an interpreter line: "#!". */
export function isScript(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x23 && head[1] === 0x21;
}

/**
 * 0755 when the zip marks the file executable, or when its content says it
 * is a program (an ELF binary or a "#!" script); 0644 otherwise.
 */
export function fileMode(markedExecutable: boolean, head: Buffer): number {
  return markedExecutable || isElf(head) || isScript(head) ? EXECUTABLE_MODE : FILE_MODE;
}
