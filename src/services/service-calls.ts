// Answers the service calls functions make through the SDK: gg_invoke,
// gg_publish, the thing shadow and secrets. Every call gets exactly one
// Reply, whatever happens, so a function never waits forever.
import { NanolambdaError } from '../errors';
import type { FunctionSpec } from '../config/types';
import type { InvokeCall, PublishCall, SecretCall, ServiceRequest, ShadowCall } from '../native/control';
import { RequestStatus } from '../native/control';
import type { Invoker, InvokeResult } from '../invoke-types';
import type { Worker } from '../workers/worker';
import type { MessageBus } from '../messaging/message-bus';

export class ServiceCalls {
  constructor(
    private readonly invoker: Invoker,
    private readonly bus: MessageBus,
  ) {}

  handle(worker: Worker, request: ServiceRequest): void {
    const answer = (status: RequestStatus, payload: Uint8Array | string) =>
      worker.reply(request.id, status, typeof payload === 'string' ? Buffer.from(payload) : payload);
    let pending: Promise<void> | undefined;
    try {
      if (request.invoke) pending = this.invoke(request.invoke, answer);
      else if (request.publish) this.publish(worker.fn, request.publish, answer);
      else if (request.shadow) this.shadow(request.shadow, answer);
      else if (request.secret) this.secret(request.secret, answer);
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
    const delivered = this.bus.publish(source.arn, call.topic, Buffer.from(call.payload), call.policy === 'ALL_OR_ERROR');
    if (delivered) answer(RequestStatus.Success, '');
    else answer(RequestStatus.Again, errorJson(`not every subscriber of ${call.topic} could take the message now: try again`));
  }

  // The local shadow and secrets services arrive in a later version; answer
  // in the error shapes their SDK callers parse (greengrass-v1.md §8, §9).
  private shadow(call: ShadowCall, answer: Answer): void {
    answer(
      RequestStatus.Handled,
      JSON.stringify({
        code: 503,
        message: `the local shadow service is not available in this nanolambda version (${call.op} of thing "${call.thingName}")`,
        timestamp: Math.floor(Date.now() / 1000),
      }),
    );
  }

  private secret(call: SecretCall, answer: Answer): void {
    answer(
      RequestStatus.Handled,
      JSON.stringify({
        Status: 503,
        Message: `the local secrets service is not available in this nanolambda version (secret "${call.secretId}")`,
      }),
    );
  }
}

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
