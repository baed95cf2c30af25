// All of `nanolambda doctor`'s checks for one group, in the order they
// print: what the machine is, then what isolation it gives, then what the
// group's settings need of it.
import type { GroupConfig } from '../config/types';
import { architectureChecks } from './architecture';
import { binfmtChecks } from './binfmt';
import { cgroupChecks } from './cgroups';
import type { CheckResult } from './check';
import { directoryChecks } from './directories';
import { namespaceChecks } from './namespaces';
import { portChecks } from './ports';
import { versionChecks } from './versions';

export async function runChecks(group: GroupConfig): Promise<CheckResult[]> {
  return [
    ...architectureChecks(),
    ...versionChecks(),
    ...cgroupChecks(group),
    ...namespaceChecks(group),
    ...binfmtChecks(),
    ...(await portChecks(group)),
    ...directoryChecks(group),
  ];
}
