// Directory checks: the group's state directory (Nanolambda.StateDir) and
// log directory (Nanolambda.LogDir) exist or can be created, belong to this
// user, are writable, and are not writable by group or others: anyone who
// can write there could replace the control socket, the event store or the
// gateway's credentials.
import fs from 'node:fs';
import path from 'node:path';
import type { GroupConfig } from '../config/types';
import { check, type CheckResult } from './check';

export function directoryChecks(group: GroupConfig): CheckResult[] {
  return [directoryCheck('state dir', 'Nanolambda.StateDir', group.stateDir), directoryCheck('log dir', 'Nanolambda.LogDir', group.logDir)];
}

function directoryCheck(name: string, setting: string, dir: string): CheckResult {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return check(name, 'missing', `${dir} (${setting}): ${(error as Error).message}`);
    return creatableCheck(name, setting, dir);
  }
  if (!st.isDirectory()) return check(name, 'missing', `${dir} (${setting}) is not a directory`);
  const uid = process.getuid?.() ?? 0;
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  if (st.uid !== uid) return check(name, 'missing', `${dir} (${setting}) belongs to uid ${st.uid}, not to this user (uid ${uid})`);
  if ((st.mode & 0o022) !== 0) {
    const who = (st.mode & 0o002) !== 0 ? 'world-writable' : 'group-writable';
    return check(name, 'missing', `${dir} (${setting}) is ${who} (mode ${mode}): chmod go-w ${dir}`);
  }
  if (!writable(dir)) return check(name, 'missing', `${dir} (${setting}) is not writable by this user (mode ${mode})`);
  return check(name, 'ok', `${dir} (${setting}), mode ${mode}, owned by uid ${uid}`);
}

/** A directory that does not exist yet: fine when its nearest existing parent lets us create it. */
function creatableCheck(name: string, setting: string, dir: string): CheckResult {
  let parent = path.dirname(dir);
  while (!fs.existsSync(parent) && parent !== path.dirname(parent)) parent = path.dirname(parent);
  if (writable(parent) && fs.statSync(parent).isDirectory()) {
    return check(name, 'ok', `${dir} (${setting}) does not exist yet; it can be created in ${parent}`);
  }
  return check(name, 'missing', `${dir} (${setting}) does not exist and ${parent} is not a writable directory`);
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
