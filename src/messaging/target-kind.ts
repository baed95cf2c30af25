// What a subscription endpoint string names. The keywords win over a
// function of that name, as in Greengrass (subscriptions.ts validates the
// strings; a function ARN in any form the registry resolves is a function).
import { THING_ARN } from '../config/thing-arn';

export type SinkKind = 'cloud' | 'shadow' | 'device';
export type TargetKind = 'function' | SinkKind;

export const CLOUD = 'cloud';
export const SHADOW_SERVICE = 'GGShadowService';

export function targetKind(endpoint: string): TargetKind {
  if (endpoint === CLOUD) return 'cloud';
  if (endpoint === SHADOW_SERVICE) return 'shadow';
  if (THING_ARN.test(endpoint)) return 'device';
  return 'function';
}
