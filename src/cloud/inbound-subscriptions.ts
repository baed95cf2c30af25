// The upstream subscriptions of the cloud bridge: the filters asked for
// (the subscriptions whose Source is "cloud"), kept in line with what the
// broker's session holds, on every filter change and every connection.
//
// Delivery is decided here again, against the filters asked for now and
// with Greengrass's matching: a persistent session may still hold a filter
// dropped while offline (by an earlier process, even), and a message may
// cross an unsubscribe on the wire.
import type { MqttClient } from 'mqtt';
import { TopicFilter } from '../messaging/topic-filter';

export class InboundSubscriptions {
  /** The filters asked for, by filter string. */
  private filters = new Map<string, TopicFilter>();
  /** Filters the broker's session holds for us: asked on this connection, or kept by a persistent session. */
  private readonly session = new Set<string>();

  constructor(
    private readonly qos: 0 | 1,
    /** The client of the current connection: a callback of an older one is ignored. */
    private readonly currentClient: () => MqttClient | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** Replace the filters. Throws INVALID_PARAMETER naming a malformed filter, and then changes nothing. */
  set(filters: readonly string[]): void {
    this.filters = new Map(filters.map((filter) => [filter, new TopicFilter(filter)]));
  }

  /** A connection was accepted; `sessionPresent` from its CONNACK says whether the broker kept our subscriptions. */
  connected(client: MqttClient, sessionPresent: boolean): void {
    if (!sessionPresent) this.session.clear();
    this.sync(client);
  }

  /** Bring the broker's subscriptions in line with the filters: unsubscribes first, so a moved filter never doubles. */
  sync(client: MqttClient): void {
    for (const filter of [...this.session]) {
      if (this.filters.has(filter)) continue;
      this.session.delete(filter);
      client.unsubscribe(filter, (error) => {
        if (error && client === this.currentClient()) this.warn(`could not unsubscribe from ${JSON.stringify(filter)}: ${error.message}`);
      });
    }
    for (const filter of this.filters.keys()) {
      if (this.session.has(filter)) continue;
      this.session.add(filter);
      client.subscribe(filter, { qos: this.qos }, (error, granted) => {
        if (client !== this.currentClient()) return;
        const grantedQos = granted?.[0]?.qos;
        const refusal = error?.message ?? (grantedQos !== undefined && grantedQos >= 0x80 ? `reason code 0x${grantedQos.toString(16)}` : undefined);
        if (refusal === undefined) return;
        // Asked again on the next connection or filter change.
        this.session.delete(filter);
        this.warn(`the broker refused the subscription to ${JSON.stringify(filter)}: ${refusal}`);
      });
    }
  }

  /** Whether a (valid) topic matches a filter asked for now. */
  wants(topic: string): boolean {
    const levels = topic.split('/');
    for (const filter of this.filters.values()) {
      if (filter.matches(topic, levels)) return true;
    }
    return false;
  }
}
