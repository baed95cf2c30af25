// Who a connecting client device is, and what it may do, for one deployed
// group. A device is a thing: recognised by the certificate it presents
// (its SHA-256 is the certificate id in DeviceDefinitionVersion's
// CertificateArn) where the broker requires certificates, or else by its
// client id, which must be its thing name. It may publish where a
// subscription has it as Source, and subscribe to filters that the filters
// of subscriptions targeting it cover.
import type { DeviceSpec } from '../config/devices';
import { THING_ARN, thingNameOf } from '../config/thing-arn';
import type { SubscriptionSpec } from '../config/types';
import type { SubscriptionRouter } from './router';
import { filterCovers, TopicFilter } from './topic-filter';

export class DeviceDirectory {
  private readonly byCertificate = new Map<string, string>();
  private readonly byThingName = new Map<string, string>();
  private readonly subscribable = new Map<string, TopicFilter[]>();

  constructor(
    devices: readonly DeviceSpec[],
    subscriptions: readonly SubscriptionSpec[],
    private readonly router: SubscriptionRouter,
  ) {
    for (const d of devices) {
      this.byCertificate.set(d.certificateId, d.thingArn);
      this.byThingName.set(d.thingName, d.thingArn);
    }
    for (const s of subscriptions) {
      for (const endpoint of [s.source, s.target]) {
        if (THING_ARN.test(endpoint) && !this.byThingName.has(thingNameOf(endpoint))) this.byThingName.set(thingNameOf(endpoint), endpoint);
      }
      if (THING_ARN.test(s.target)) {
        const list = this.subscribable.get(s.target) ?? [];
        list.push(new TopicFilter(s.subject));
        this.subscribable.set(s.target, list);
      }
    }
  }

  /** The thing ARN of the device holding this certificate (SHA-256 hex), if it is one of the group's. */
  byCertificateId(certificateId: string): string | undefined {
    return this.byCertificate.get(certificateId);
  }

  /** The thing ARN of the device of this name (a device of the group, or a thing its subscriptions name). */
  byClientId(clientId: string): string | undefined {
    return this.byThingName.get(clientId);
  }

  /** Whether the thing is still a device of the group (a deployment may remove it). */
  knows(thingArn: string): boolean {
    return this.byThingName.get(thingNameOf(thingArn)) === thingArn;
  }

  mayPublish(thingArn: string, topic: string): boolean {
    return this.router.routes(thingArn, topic).length > 0;
  }

  maySubscribe(thingArn: string, filter: string): boolean {
    return (this.subscribable.get(thingArn) ?? []).some((allowed) => filterCovers(allowed, filter));
  }
}
