// Answers the service calls functions make through the SDK: gg_invoke,
// gg_publish, the thing shadow and secrets. Every call gets exactly one
// Reply, whatever happens, so a function never waits forever.
import { NanolambdaError } from '../errors';
import type { FunctionSpec } from '../config/types';
import type { InvokeCall, PublishCall, SecretCall, ServiceRequest, ShadowCall } from '../native/control';
import { RequestStatus } from '../native/control';
import type { Invoker, InvokeResult } from '../invoke-types';
import type { Worker } from '../workers/worker';
import type { MessagingHost } from '../messaging/messaging-host';
import { SHADOW_SERVICE } from '../messaging/target-kind';
import type { SecretService } from '../secrets/secret-service';
import type { ShadowService } from '../shadow/shadow-service';
import { errorDocument, ShadowRejection } from '../shadow/shadow-rejection';
import { isValidThingName } from '../shadow/shadow-request';
import { requestTopic } from '../shadow/shadow-topics';

export class ServiceCalls {
  constructor(
    private readonly invoker: Invoker,
    private readonly messaging: MessagingHost,
    private readonly shadows: ShadowService,
    private readonly secrets: SecretService,
  ) {}

  handle(worker: Worker, request: ServiceRequest): void {
    const answer = (status: RequestStatus, payload: Uint8Array | string) =>
      worker.reply(request.id, status, typeof payload === 'string' ? Buffer.from(payload) : payload);
    let pending: Promise<void> | undefined;
    try {
      if (request.invoke) pending = this.invoke(request.invoke, answer);
      else if (request.publish) this.publish(worker.fn, request.publish, answer);
      else if (request.shadow) this.shadow(worker, request.shadow, answer);
      else if (request.secret) this.secret(worker, request.secret, answer);
      else answer(RequestStatus.Unknown, errorJson('the request names no call this runtime knows'));
    } catch (error) {
      answerError(error, answer);
    }
    if (pending) pending.catch((error: unknown) => answerError(error, answer));
  }

  private async invoke(call: InvokeCall, answer: Answer): Promise<void> {
    const result: InvokeResult = await this.invoker.invoke(call.functionArn, call.payload, {
      type: call.event ? 'Event' : 'RequestResponse',
      qualifier: call.qualifier || undefined,
      clientContext: call.clientContext || undefined,
    });
    if (result.functionError === 'Handled') answer(RequestStatus.Handled, result.payload);
    else if (result.functionError === 'Unhandled') answer(RequestStatus.Unhandled, result.payload);
    else answer(RequestStatus.Success, result.payload);
  }

  private publish(source: FunctionSpec, call: PublishCall, answer: Answer): void {
    const delivered = this.messaging.bus.publish(source.arn, call.topic, Buffer.from(call.payload), call.policy === 'ALL_OR_ERROR');
    if (delivered) answer(RequestStatus.Success, '');
    else answer(RequestStatus.Again, errorJson(`not every subscriber of ${call.topic} could take the message now: try again`));
  }

  /**
   * As in Greengrass, a function reaches a thing's shadow through a
   * subscription to GGShadowService on the request topic.
   */
  private shadow(worker: Worker, call: ShadowCall, answer: Answer): void {
    const op = SHADOW_OPS[call.op];
    if (isValidThingName(call.thingName) && !this.messaging.bus.routesTo(worker.fn.arn, requestTopic(call.thingName, op), SHADOW_SERVICE)) {
      const why = new ShadowRejection(
        403,
        `no subscription routes ${requestTopic(call.thingName, op)} from ${worker.fn.arn} to GGShadowService: add one (Subject "$aws/things/${call.thingName}/shadow/#" covers every operation)`,
      );
      answer(RequestStatus.Handled, errorDocument(why, Math.floor(Date.now() / 1000), undefined));
      return;
    }
    const result = this.shadows.request(call.thingName, op, Buffer.from(call.payload));
    // Errors are Handled with the error document: C callers test request_status.
    answer(result.accepted ? RequestStatus.Success : RequestStatus.Handled, result.payload);
    this.messaging.publishShadowAnswers(result.publications);
  }

  private secret(worker: Worker, call: SecretCall, answer: Answer): void {
    const result = this.secrets.getSecretValue(worker.fn, { secretId: call.secretId, versionId: call.versionId, versionStage: call.versionStage });
    answer(result.ok ? RequestStatus.Success : RequestStatus.Handled, result.body);
  }
}

const SHADOW_OPS = { GET: 'get', UPDATE: 'update', DELETE: 'delete' } as const;

type Answer = (status: RequestStatus, payload: Uint8Array | string) => void;

function errorJson(message: string): string {
  return JSON.stringify({ errorMessage: message });
}

function answerError(error: unknown, answer: Answer): void {
  if (NanolambdaError.is(error)) {
    const status = error.code === 'TOO_MANY_REQUESTS' ? RequestStatus.Again : RequestStatus.Unknown;
    answer(status, JSON.stringify({ errorType: error.code, errorMessage: error.message }));
  } else {
    answer(RequestStatus.Unknown, errorJson(`internal error: ${(error as Error)?.message ?? String(error)}`));
  }
}
