// The runtime's shutdown, in the one order that loses nothing: work stops
// coming in, Event attempts stop starting, the pools drain while the
// endpoint finishes its requests, then servers, logs and stores close (the
// event store after the attempts it records have settled), cgroups and the
// control socket last.
import type { ControlSocket } from '../control/control-socket';
import type { EventSourceManager } from '../event-sources/event-source-manager';
import type { IpcServer } from '../ipc/ipc-server';
import type { LambdaApiHost } from '../lambda/lambda-api-host';
import type { FunctionLogs } from '../logs/function-logs';
import type { SystemLog } from '../logs/system-log';
import type { MessagingHost } from '../messaging/messaging-host';
import type { SecretService } from '../secrets/secret-service';
import type { ShadowService } from '../shadow/shadow-service';
import type { EventInvocations } from './event-invocations';
import type { FunctionPools } from './function-pools';
import type { WorkerLauncher } from './worker-launcher';

/** What a runtime has running; the optional ones exist once start got that far. */
export interface RunningParts {
  eventSources: EventSourceManager;
  events: EventInvocations;
  messaging: MessagingHost;
  httpServer: { close(): Promise<void> } | undefined;
  pools: FunctionPools;
  lambdaApi: LambdaApiHost;
  ipc: IpcServer | undefined;
  logs: FunctionLogs;
  systemLog: SystemLog;
  shadows: ShadowService;
  secrets: SecretService;
  launcher: WorkerLauncher;
  controlSocket: ControlSocket | undefined;
  /** The deployed group's ShutdownGraceSeconds, in ms. */
  drainMs(): number;
  /** Called once the event sources are told to close: from then on the runtime refuses work. */
  markStopped(): void;
}

export async function shutDown(parts: RunningParts): Promise<void> {
  // Schedules and watchers stop at once; the Events they were storing are awaited below.
  const sourcesClosed = parts.eventSources.close();
  parts.markStopped();
  // Events first: no new attempt starts while the pools drain; attempts
  // already running settle as their pools stop.
  const eventsSettled = parts.events.stop();
  // No more messages from devices.
  await parts.messaging.closeDevices();
  const drainMs = parts.drainMs();
  // Together: the endpoint waits for its in-flight invocations, and those
  // end when their pools have drained and stopped.
  await Promise.all([parts.httpServer?.close(), ...parts.pools.stop(drainMs), parts.lambdaApi.stopCollecting()]);
  await Promise.all([eventsSettled, sourcesClosed]);
  await parts.ipc?.close();
  await parts.messaging.close();
  parts.pools.stopSweeping();
  parts.logs.closeAll();
  parts.systemLog.close();
  // Last: close() commits what the settling attempts recorded.
  parts.events.close();
  parts.lambdaApi.close();
  parts.shadows.close();
  parts.secrets.close();
  await parts.launcher.close();
  await parts.controlSocket?.close();
}
