// Can this machine create a GreengrassContainer? Asked once at start of the
// launcher itself (`--probe-container`: it tries the namespaces and a mount
// in a throwaway child), so the answer is the one workers will meet.
import { spawnSync } from 'node:child_process';

/** Undefined when containers can be created here; else the launcher's reason. */
export function whyNoContainers(launcherPath: string): string | undefined {
  const probe = spawnSync(launcherPath, ['--probe-container'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status === 0) return undefined;
  if (probe.error !== undefined) return `cannot run ${launcherPath}: ${probe.error.message}`;
  const reason = probe.stderr.trim().replace(/^nanolambda-launcher: /, '');
  return reason || `${launcherPath} --probe-container exited with ${probe.status ?? probe.signal}`;
}
