// Per-function log files. Workers write their stdout, stderr and gg_log lines
// straight into the file (the descriptor is their stdout/stderr), so logging
// costs the host nothing; Greengrass's layout is kept:
// <logDir>/user/<region>/<account>/<function>.log
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSpec } from '../config/types';

export class FunctionLogs {
  private readonly open = new Map<string, number>();

  constructor(readonly logDir: string) {}

  pathFor(fn: FunctionSpec): string {
    return path.join(this.logDir, 'user', fn.region || 'local', fn.accountId || 'local', `${fn.name}.log`);
  }

  /** The append-mode descriptor of the function's log (opened once). */
  fdFor(fn: FunctionSpec): number {
    const file = this.pathFor(fn);
    let fd = this.open.get(file);
    if (fd === undefined) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // a+: append for the workers, readable for log tails.
      fd = fs.openSync(file, 'a+', 0o640);
      this.open.set(file, fd);
    }
    return fd;
  }

  /** Current size of the function's log: where an invocation's output starts. */
  offsetOf(fn: FunctionSpec): number {
    return fs.fstatSync(this.fdFor(fn)).size;
  }

  /** Append a line written by the runtime itself (START/END/REPORT, notices). */
  append(fn: FunctionSpec, text: string): void {
    fs.writeSync(this.fdFor(fn), text);
  }

  /** What the function's workers wrote since `offset`, at most `maxBytes` of its end. */
  readSince(fn: FunctionSpec, offset: number, maxBytes: number): Buffer {
    const fd = this.fdFor(fn);
    const end = fs.fstatSync(fd).size;
    const start = Math.max(offset, end - maxBytes);
    if (end <= start) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(end - start);
    const read = fs.readSync(fd, out, 0, out.length, start);
    return out.subarray(0, read);
  }

  closeAll(): void {
    for (const fd of this.open.values()) fs.closeSync(fd);
    this.open.clear();
  }
}
