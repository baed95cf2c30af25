// The MQTT topics of the classic (unnamed) thing shadow:
// requests on $aws/things/<thing>/shadow/{get,update,delete}, answers and
// events on .../get/{accepted,rejected}, .../update/{accepted,rejected,delta,
// documents} and .../delete/{accepted,rejected}. Greengrass V1's local
// shadow service has no named shadows, so `.../shadow/name/...` is not a
// request topic here.
import { isValidThingName } from './shadow-request';

export type ShadowOp = 'get' | 'update' | 'delete';
export type ShadowOutcome = 'accepted' | 'rejected' | 'delta' | 'documents';

const OPS: readonly ShadowOp[] = ['get', 'update', 'delete'];

export function isShadowOp(value: unknown): value is ShadowOp {
  return (OPS as readonly unknown[]).includes(value);
}

/** The thing and operation of a request topic, or undefined for any other topic. */
export function parseRequestTopic(topic: string): { thingName: string; op: ShadowOp } | undefined {
  const levels = topic.split('/');
  if (levels.length !== 5 || levels[0] !== '$aws' || levels[1] !== 'things' || levels[3] !== 'shadow') return undefined;
  const [, , thingName, , op] = levels;
  if (!isValidThingName(thingName) || !isShadowOp(op)) return undefined;
  return { thingName, op };
}

/** Where the service publishes the outcome of an operation on a thing's shadow. */
export function responseTopic(thingName: string, op: ShadowOp, outcome: ShadowOutcome): string {
  return `$aws/things/${thingName}/shadow/${op}/${outcome}`;
}

/** Where a request for an operation on a thing's shadow is published. */
export function requestTopic(thingName: string, op: ShadowOp): string {
  return `$aws/things/${thingName}/shadow/${op}`;
}
