// Port checks: the group's HTTP (Nanolambda.Http) and device MQTT
// (Nanolambda.Mqtt) ports can be bound on their host: listened on, then
// closed at once. A running runtime of the same group holds them, so
// doctor reports them taken then too: that is the truth for a second start.
import net from 'node:net';
import type { GroupConfig } from '../config/types';
import { check, type CheckResult } from './check';

export async function portChecks(group: GroupConfig): Promise<CheckResult[]> {
  const wanted: { name: string; setting: string; host: string; port: number }[] = [];
  if (group.http) wanted.push({ name: 'http port', setting: 'Nanolambda.Http', ...group.http });
  if (group.mqtt) wanted.push({ name: 'mqtt port', setting: 'Nanolambda.Mqtt', host: group.mqtt.host, port: group.mqtt.port });
  const results: CheckResult[] = [];
  for (const { name, setting, host, port } of wanted) {
    if (port === 0) {
      results.push(check(name, 'ok', `${setting}.Port is 0: any free port on ${host}`));
      continue;
    }
    const error = await tryListen(host, port);
    results.push(
      error === undefined
        ? check(name, 'ok', `${host}:${port} can be bound (${setting})`)
        : check(name, 'missing', `${host}:${port} cannot be bound (${setting}): ${error}`),
    );
  }
  return results;
}

/** Undefined when host:port could be listened on; else why not. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'in use by another process' : error.message);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
