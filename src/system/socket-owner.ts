// Who is at the other end of a loopback TCP connection: the processes
// holding the peer's socket, found through /proc (the peer's port gives
// the socket's inode in /proc/net/tcp; a process holding it has a
// socket:[inode] descriptor). The Lambda Runtime API has no credentials
// of its own (runtime clients never send any), so the worker's server
// asks this before serving a connection: only the worker's own processes
// may take its events or answer them. Linux only; without /proc, nobody
// is recognised (the connection is refused, never served blindly).
import fs from 'node:fs';

/** Pids holding the client socket of a loopback connection from `clientPort` to `serverPort`. */
export function socketOwners(clientPort: number, serverPort: number): number[] {
  const inode = socketInode(clientPort, serverPort);
  if (inode === undefined) return [];
  const target = `socket:[${inode}]`;
  const owners: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fdDir = `/proc/${entry}/fd`;
    for (const fd of safeReaddir(fdDir)) {
      let link: string;
      try {
        link = fs.readlinkSync(`${fdDir}/${fd}`);
      } catch {
        continue;
      }
      if (link === target) {
        owners.push(Number(entry));
        break;
      }
    }
  }
  return owners;
}

/** Whether `pid` is `ancestor` or one of its descendants. */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    current = parentOf(current) ?? 0;
  }
  return false;
}

function socketInode(clientPort: number, serverPort: number): string | undefined {
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const local = `:${hex(clientPort)}`;
  const remote = `:${hex(serverPort)}`;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (fields[1]?.endsWith(local) && fields[2]?.endsWith(remote)) return fields[9];
  }
  return undefined;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
