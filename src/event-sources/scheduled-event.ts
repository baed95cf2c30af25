// The payload a schedule sends when no constant Input is configured:
// EventBridge's "Scheduled Event", as a function subscribed to an
// EventBridge schedule rule receives it.
import { randomUUID } from 'node:crypto';

export interface ScheduledEventFields {
  /** The scheduled time of this fire (epoch ms); sent to the second, as AWS does. */
  timeMs: number;
  region: string;
  account: string;
  /** The mapping's EventSourceArn. */
  resource: string;
}

export function scheduledEvent(fields: ScheduledEventFields): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: fields.account,
      time: new Date(fields.timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: fields.region,
      resources: [fields.resource],
      detail: {},
    }),
  );
}
