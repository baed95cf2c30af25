// Whether a user could execute a file: every directory above it searchable
// and the file executable by that uid/gid, by the mode bits (what the kernel
// checks for a function process; ACLs and capabilities aside). The runtime
// asks before choosing which python3 or node its functions run: one under
// /root, say, is useless to a function running as nobody.
import fs from 'node:fs';
import path from 'node:path';

export function executableBy(file: string, uid: number, gids: readonly number[]): boolean {
  if (uid === 0) return true;
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  const X = 1;
  const allows = (p: string): boolean => {
    const st = fs.statSync(p);
    const bits = st.uid === uid ? st.mode >> 6 : gids.includes(st.gid) ? st.mode >> 3 : st.mode;
    return (bits & X) !== 0;
  };
  try {
    for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
      if (!allows(dir)) return false;
      if (dir === '/') break;
    }
    return allows(real);
  } catch {
    return false;
  }
}
