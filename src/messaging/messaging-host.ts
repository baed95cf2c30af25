// Everything that moves messages, for the runtime: the bus with the group's
// subscriptions, and the sinks behind it (the device broker, the cloud
// bridge, the shadow service), kept in step with deployments.
import type { GroupConfig } from '../config/types';
import type { SystemLog } from '../logs/system-log';
import type { FunctionRegistry } from '../registry/registry';
import { DeviceBroker } from './device-broker';
import { DeviceDirectory } from './device-directory';
import { MessageBus, type FunctionDelivery } from './message-bus';
import { SubscriptionRouter } from './router';
import { CLOUD, SHADOW_SERVICE, targetKind } from './target-kind';
import { CloudBridge, type CloudBridgeStatus } from '../cloud/cloud-bridge';
import type { CloudConfig } from '../cloud/cloud-config';
import type { ShadowPublication, ShadowService } from '../shadow/shadow-service';

export class MessagingHost {
  readonly bus: MessageBus;
  private router: SubscriptionRouter;
  private group: GroupConfig;
  private broker: DeviceBroker | undefined;
  private cloud: CloudBridge | undefined;

  constructor(
    group: GroupConfig,
    registry: FunctionRegistry,
    delivery: FunctionDelivery,
    private readonly log: SystemLog,
  ) {
    this.group = group;
    this.router = new SubscriptionRouter(group.subscriptions, registry);
    this.bus = new MessageBus(this.router, delivery, { maxMessageBytes: group.maxMessageBytes, log: log.component('router') });
  }

  /** Start the device broker and the cloud bridge the group configures. */
  async start(): Promise<void> {
    if (this.group.cloud) this.startCloud(this.group.cloud);
    const config = this.group.mqtt;
    if (config) {
      this.broker = await DeviceBroker.start(config, this.directory(), {
        publish: (thing, topic, payload) => void this.bus.publish(thing, topic, payload, false),
        maxMessageBytes: () => this.group.maxMessageBytes,
        log: this.log.component('devices'),
      });
      this.bus.setSink('device', this.broker);
    }
    this.checkSinks();
  }

  /** Where devices connect, when the broker runs. */
  get brokerAddress(): { host: string; port: number } | undefined {
    return this.broker?.address;
  }

  /** Serve GGShadowService targets: requests on $aws/things/<thing>/shadow/... answered on their reply topics. */
  useShadowService(shadows: ShadowService): void {
    this.bus.setSink('shadow', {
      deliver: (_target, topic, payload) => {
        const publications = shadows.onMessage(topic, payload);
        if (publications === undefined) return false;
        this.publishShadowAnswers(publications);
        return true;
      },
    });
  }

  /**
   * Route what the shadow service publishes. The change they report is
   * made already: one that cannot go out (a document over the message size
   * limit) is logged, and the others still go.
   */
  publishShadowAnswers(publications: readonly ShadowPublication[]): void {
    for (const p of publications) {
      try {
        this.bus.publish(SHADOW_SERVICE, p.topic, p.payload, false);
      } catch (error) {
        this.log.write('WARN', 'shadow', `${p.topic} was not published: ${(error as Error).message}`);
      }
    }
  }

  /** Route by a deployment's group (its registry already switched in). */
  deploy(group: GroupConfig, registry: FunctionRegistry): void {
    // Lambda API changes redeploy the same subscriptions: warn about them once.
    const subscriptionsChanged = group.subscriptions !== this.group.subscriptions;
    this.group = group;
    this.router = new SubscriptionRouter(group.subscriptions, registry);
    this.bus.useRouter(this.router, group.maxMessageBytes);
    this.broker?.useDirectory(this.directory());
    this.cloud?.setInboundFilters(this.cloudFilters());
    if (subscriptionsChanged) this.checkSinks();
  }

  /** The cloud connection and its queue, when there is one. */
  cloudStatus(): CloudBridgeStatus | undefined {
    return this.cloud?.status();
  }

  /** No more messages from devices (first, on stop). */
  async closeDevices(): Promise<void> {
    await this.broker?.close();
  }

  /**
   * Last, once functions have stopped: what they published to the cloud
   * while draining is in the durable queue by then.
   */
  async close(): Promise<void> {
    await Promise.all([this.closeDevices(), this.cloud?.close()]);
  }

  private startCloud(config: CloudConfig): void {
    const log = this.log.component('cloud');
    const cloud = new CloudBridge(config, this.group.stateDir, {
      onMessage: (topic, payload) => {
        try {
          this.bus.publish(CLOUD, topic, payload, false);
        } catch (error) {
          log.warn(`dropped a message from the cloud on ${topic}: ${(error as Error).message}`);
        }
      },
      log: (level, message) => log[level](message),
    });
    this.cloud = cloud;
    this.bus.setSink('cloud', {
      deliver: (_target, topic, payload) => {
        try {
          cloud.publish(topic, payload);
          return true;
        } catch (error) {
          log.warn(`a message for the cloud on ${topic} was not queued: ${(error as Error).message}`);
          return false;
        }
      },
    });
    cloud.setInboundFilters(this.cloudFilters());
    cloud.start();
  }

  /** What to subscribe to upstream: the filters of the subscriptions whose source is the cloud. */
  private cloudFilters(): string[] {
    return [...new Set(this.group.subscriptions.filter((s) => s.source === CLOUD).map((s) => s.subject))];
  }

  private directory(): DeviceDirectory {
    return new DeviceDirectory(this.group.devices, this.group.subscriptions, this.router);
  }

  /** A subscription nothing can serve is a configuration slip worth one warning per deployment. */
  private checkSinks(): void {
    if (!this.cloud && this.group.subscriptions.some((s) => s.source === CLOUD || s.target === CLOUD)) {
      this.log.write('WARN', 'cloud', 'subscriptions name the cloud, but Nanolambda.Cloud is not set: nothing is sent to or received from it');
    }
    if (!this.broker && this.group.subscriptions.some((s) => targetKind(s.target) === 'device' || targetKind(s.source) === 'device')) {
      this.log.write('WARN', 'devices', 'subscriptions name devices, but Nanolambda.Mqtt is not set: no device can connect to send or receive');
    }
  }
}
