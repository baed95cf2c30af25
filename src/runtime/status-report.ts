// What `nanolambda ps` shows of a running runtime: its functions' pools and
// workers, their queued Events (and those of functions the group no longer
// has), the cloud connection and the device broker.
import type { GroupConfig } from '../config/types';
import { poolStatus, type RuntimeStatus } from '../control/status';
import type { EventStatus } from '../events/event-dispatcher';
import type { MessagingHost } from '../messaging/messaging-host';
import type { FunctionPools } from './function-pools';

export function runtimeStatus(
  startedAt: Date,
  group: GroupConfig,
  pools: FunctionPools,
  eventStatus: EventStatus[],
  messaging: MessagingHost,
): RuntimeStatus {
  const now = Date.now();
  const events = new Map(eventStatus.map((e) => [e.functionArn, e]));
  return {
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    group: group.file,
    workersInUse: pools.budget.inUse,
    maxConcurrentWorkers: pools.budget.limit,
    functions: [...pools.values()].map((pool) => poolStatus(pool, events.get(pool.fn.arn) ?? { queued: 0, inFlight: 0 }, now)),
    strandedEvents: [...events.values()].filter((e) => !e.inGroup).map(({ functionArn, queued }) => ({ functionArn, queued })),
    cloud: messaging.cloudStatus(),
    mqtt: messaging.brokerAddress,
  };
}
