// Namespace checks: the namespaces a GreengrassContainer uses, as
// /proc/self/ns lists them, and whether the runtime can really create a
// container here: the launcher's own probe (isolation/container-probe.ts),
// the same answer the runtime gets at start.
import fs from 'node:fs';
import path from 'node:path';
import type { GroupConfig } from '../config/types';
import { whyNoContainers } from '../isolation/container-probe';
import { findSdkDir, missingSdkReason, SDK_LAUNCHER } from '../native/sdk-location';
import { check, neededOr, type CheckResult } from './check';

const NS_DIR = '/proc/self/ns';
const NAMESPACES = ['mnt', 'pid', 'ipc', 'uts', 'net', 'user'] as const;

export function namespaceChecks(group: GroupConfig): CheckResult[] {
  const wantsContainers = group.functions.some((fn) => fn.isolationMode === 'GreengrassContainer') && !group.allowIsolationFallback;
  const results: CheckResult[] = [];
  for (const ns of NAMESPACES) {
    const file = path.join(NS_DIR, ns);
    const present = fs.existsSync(file);
    results.push(
      check(
        `namespace ${ns}`,
        present ? 'ok' : neededOr(wantsContainers),
        present ? file : `${file} does not exist: the kernel lacks ${ns} namespaces (GreengrassContainer needs them)`,
      ),
    );
  }
  const sdkDir = findSdkDir();
  const launcher = sdkDir === undefined ? undefined : path.join(sdkDir, SDK_LAUNCHER);
  const uid = process.getuid?.() ?? 0;
  const why = launcher === undefined ? missingSdkReason() : whyNoContainers(launcher);
  results.push(
    check(
      'containers',
      why === undefined ? 'ok' : neededOr(wantsContainers),
      (why === undefined ? `${launcher} --probe-container created one` : `GreengrassContainer mode unavailable: ${why}`) +
        ` (running as uid ${uid}${uid === 0 ? ', root' : ''})`,
    ),
  );
  return results;
}
