// One line of `nanolambda doctor`: what was checked, the verdict, and a
// reason naming the file or setting it was read from, so a user can verify
// it or fix it without reading nanolambda's source.

/**
 * ok: there and usable. missing: the group needs it and it is not there
 * (doctor exits 1). warning: absent or odd, but the group can run without.
 */
export type CheckStatus = 'ok' | 'missing' | 'warning';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  reason: string;
}

export function check(name: string, status: CheckStatus, reason: string): CheckResult {
  return { name, status, reason };
}

/** missing when the group needs it, else only a warning. */
export function neededOr(needed: boolean): CheckStatus {
  return needed ? 'missing' : 'warning';
}
