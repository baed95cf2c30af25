// The service calls functions make through the SDKs: invoke, publish, the
// thing shadow and secrets. The operations are protocol-neutral: each
// answers a ServiceAnswer (or throws a NanolambdaError when the call cannot
// be made at all), and each protocol turns that into its own reply: the C
// channel (handle(), below) into a gg_request_status, the Greengrass IPC
// (src/ipc) into HTTP. Through the C channel every call gets exactly one
// Reply, whatever happens, so a function never waits forever.
import { NanolambdaError } from '../errors';
import type { ServiceRequest } from '../native/control';
import { RequestStatus } from '../native/control';
import type { Invoker, InvokeResult } from '../invoke-types';
import type { Worker } from '../workers/worker';
import type { MessagingHost } from '../messaging/messaging-host';
import { SHADOW_SERVICE } from '../messaging/target-kind';
import type { SecretService, SecretCaller } from '../secrets/secret-service';
import type { SecretRequest } from '../secrets/secret-request';
import type { ShadowOp, ShadowService } from '../shadow/shadow-service';
import { errorDocument, ShadowRejection } from '../shadow/shadow-rejection';
import { isValidThingName } from '../shadow/shadow-request';
import { requestTopic } from '../shadow/shadow-topics';

/**
 * How a call ended: 'success'; 'handled' / 'unhandled' (a function error,
 * or a service's refusal, with its error document); 'again' (the call could
 * not be taken now: retry later).
 */
export type ServiceStatus = 'success' | 'handled' | 'unhandled' | 'again';

export interface ServiceAnswer {
  status: ServiceStatus;
  payload: Buffer;
  /** The invocation's request id, when the invoker gave one (an Event's stored id). */
  requestId?: string;
}

export interface InvokeCall {
  /** Name, partial or full ARN of the function, optionally ':qualifier'. */
  functionArn: string;
  /** '' or undefined: none. */
  qualifier?: string;
  /** base64 JSON as the caller gave it; '' or undefined: none. */
  clientContext?: string;
  event: boolean;
  payload: Uint8Array;
}

const EMPTY = Buffer.alloc(0);

export class ServiceCalls {
  constructor(
    private readonly invoker: Invoker,
    private readonly messaging: MessagingHost,
    private readonly shadows: ShadowService,
    private readonly secrets: SecretService,
  ) {}

  /** A call over the C channel: answered through worker.reply, once. */
  handle(worker: Worker, request: ServiceRequest): void {
    const answer = (status: RequestStatus, payload: Uint8Array) => worker.reply(request.id, status, payload);
    const reply = (result: ServiceAnswer) => answer(CHANNEL_STATUS[result.status], result.payload);
    try {
      if (request.invoke) {
        const { functionArn, qualifier, clientContext, event, payload } = request.invoke;
        this.invoke({ functionArn, qualifier, clientContext, event, payload })
          .then(reply)
          .catch((error: unknown) => answerError(error, answer));
      } else if (request.publish) {
        const { topic, payload, policy } = request.publish;
        reply(this.publish(worker.fn.arn, topic, Buffer.from(payload), policy === 'ALL_OR_ERROR'));
      } else if (request.shadow) {
        const { thingName, op, payload } = request.shadow;
        reply(this.shadow(worker.fn.arn, thingName, SHADOW_OPS[op], Buffer.from(payload)));
      } else if (request.secret) {
        const { secretId, versionId, versionStage } = request.secret;
        reply(this.secret(worker.fn, { secretId, versionId, versionStage }));
      } else {
        answer(RequestStatus.Unknown, errorJson('the request names no call this runtime knows'));
      }
    } catch (error) {
      answerError(error, answer);
    }
  }

  /**
   * Invoke a function. A RequestResponse call resolves with the function's
   * outcome; an Event resolves once the event is stored (with its request
   * id). Rejects with the invoker's NanolambdaError when there is nothing to
   * invoke (FUNCTION_NOT_FOUND, INVALID_PARAMETER, PAYLOAD_TOO_LARGE,
   * TOO_MANY_REQUESTS, RUNTIME_STOPPED).
   */
  async invoke(call: InvokeCall): Promise<ServiceAnswer> {
    const result: InvokeResult = await this.invoker.invoke(call.functionArn, call.payload, {
      type: call.event ? 'Event' : 'RequestResponse',
      qualifier: call.qualifier || undefined,
      clientContext: call.clientContext || undefined,
    });
    const status: ServiceStatus =
      result.functionError === 'Handled' ? 'handled' : result.functionError === 'Unhandled' ? 'unhandled' : 'success';
    return { status, payload: result.payload, requestId: result.requestId };
  }

  /**
   * Publish as `sourceArn`. With allOrError, 'again' when some subscribed
   * function could not take the message now (nobody got it). Throws
   * INVALID_PARAMETER for a topic that cannot be published to and
   * PAYLOAD_TOO_LARGE past the group's message size limit.
   */
  publish(sourceArn: string, topic: string, payload: Buffer, allOrError: boolean): ServiceAnswer {
    const delivered = this.messaging.bus.publish(sourceArn, topic, payload, allOrError);
    if (delivered) return { status: 'success', payload: EMPTY };
    return { status: 'again', payload: errorJson(`not every subscriber of ${topic} could take the message now: try again`) };
  }

  /**
   * A thing shadow operation for the function `callerArn`. As in Greengrass,
   * a function reaches a thing's shadow through a subscription to
   * GGShadowService on the request topic. Refusals are 'handled' with the
   * shadow error document ({"code","message","timestamp"}).
   */
  shadow(callerArn: string, thingName: string, op: ShadowOp, payload: Buffer): ServiceAnswer {
    if (isValidThingName(thingName) && !this.messaging.bus.routesTo(callerArn, requestTopic(thingName, op), SHADOW_SERVICE)) {
      const why = new ShadowRejection(
        403,
        `no subscription routes ${requestTopic(thingName, op)} from ${callerArn} to GGShadowService: add one (Subject "$aws/things/${thingName}/shadow/#" covers every operation)`,
      );
      return { status: 'handled', payload: errorDocument(why, Math.floor(Date.now() / 1000), undefined) };
    }
    const result = this.shadows.request(thingName, op, payload);
    this.messaging.publishShadowAnswers(result.publications);
    return { status: result.accepted ? 'success' : 'handled', payload: result.payload };
  }

  /** GetSecretValue for `caller`; errors are 'handled' with {"Status","Message"}. */
  secret(caller: SecretCaller, request: SecretRequest): ServiceAnswer {
    const result = this.secrets.getSecretValue(caller, request);
    return { status: result.ok ? 'success' : 'handled', payload: Buffer.from(result.body) };
  }
}

const SHADOW_OPS = { GET: 'get', UPDATE: 'update', DELETE: 'delete' } as const;

/** gg_request_status of each outcome, for C callers. */
const CHANNEL_STATUS: Record<ServiceStatus, RequestStatus> = {
  success: RequestStatus.Success,
  handled: RequestStatus.Handled,
  unhandled: RequestStatus.Unhandled,
  again: RequestStatus.Again,
};

type Answer = (status: RequestStatus, payload: Uint8Array) => void;

function errorJson(message: string): Buffer {
  return Buffer.from(JSON.stringify({ errorMessage: message }));
}

function answerError(error: unknown, answer: Answer): void {
  if (NanolambdaError.is(error)) {
    const status = error.code === 'TOO_MANY_REQUESTS' ? RequestStatus.Again : RequestStatus.Unknown;
    answer(status, Buffer.from(JSON.stringify({ errorType: error.code, errorMessage: error.message })));
  } else {
    answer(RequestStatus.Unknown, errorJson(`internal error: ${(error as Error)?.message ?? String(error)}`));
  }
}
