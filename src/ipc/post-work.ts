// POST /2016-11-01/functions/<target>: what a worker's SDK call does, by
// target (greengrass-v1.md §2.4):
// - GGRouter: publish the body on custom.subject as the caller's function,
//   BestEffort or AllOrError (custom.queueFullPolicy);
// - GGShadowService: the shadow operation custom.subject names
//   ($aws/things/<thing>/shadow/<get|update|delete>);
// - GGSecretManager: GetSecretValue for the JSON body;
// - any other ARN: invoke that function.
// The caller is always the token's function: a worker cannot publish or
// read secrets as another function, whatever its client context says.
//
// A call the services cannot make at all is thrown (an IpcError, or the
// operation's NanolambdaError) and refused with a non-2xx; so is a publish
// AllOrError that some subscriber could not take (429: retry later).
// Everything else has an answer, possibly to come (an invocation running).
import type { FunctionSpec } from '../config/types';
import type { ServiceAnswer, ServiceCalls } from '../services/service-calls';
import { parseSecretRequestJson } from '../secrets/secret-request';
import { secretErrorReply } from '../secrets/secret-reply';
import type { ShadowOp } from '../shadow/shadow-service';
import { customContext, subjectOf } from './client-context';
import { badRequest, ipcErrorFrom, tooManyRequests } from './ipc-error';
import { reservedTarget } from './reserved-targets';

export interface WorkPost {
  /** The function the caller's token belongs to. */
  caller: FunctionSpec;
  targetArn: string;
  event: boolean;
  /** X-Amz-Client-Context as sent (undefined when absent). */
  clientContext: string | undefined;
  payload: Buffer;
}

export type Posted =
  /** The answer (an Event's carries the stored invocation's request id, when there is one). */
  | { answer: ServiceAnswer }
  /** A RequestResponse invocation still running: its answer to come (never rejects). */
  | { pending: Promise<ServiceAnswer> };

const SHADOW_TOPIC = /^\$aws\/things\/([^/]+)\/shadow\/(get|update|delete)$/;

export async function postWork(services: ServiceCalls, post: WorkPost): Promise<Posted> {
  const target = reservedTarget(post.targetArn);
  if (target === undefined) return invoke(services, post);
  if (target === 'router') return refuseAgain(publish(services, post));
  if (target === 'shadow') return { answer: shadow(services, post) };
  return { answer: secret(services, post) };
}

function publish(services: ServiceCalls, post: WorkPost): ServiceAnswer {
  const custom = customContext(post.clientContext);
  const topic = subjectOf(custom, 'a publish to GGRouter');
  const policy = custom.queueFullPolicy ?? '';
  if (policy !== '' && policy !== 'BestEffort' && policy !== 'AllOrError') {
    throw badRequest(`queueFullPolicy ${JSON.stringify(policy)} in X-Amz-Client-Context is not "BestEffort", "AllOrError" or ""`);
  }
  return services.publish(post.caller.arn, topic, post.payload, policy === 'AllOrError');
}

function shadow(services: ServiceCalls, post: WorkPost): ServiceAnswer {
  const subject = subjectOf(customContext(post.clientContext), 'a call to GGShadowService');
  const match = SHADOW_TOPIC.exec(subject);
  if (!match) {
    throw badRequest(`custom.subject ${JSON.stringify(subject.slice(0, 200))} is not a shadow request topic: expected $aws/things/<thing name>/shadow/<get|update|delete>`);
  }
  return services.shadow(post.caller.arn, match[1]!, match[2] as ShadowOp, post.payload);
}

function secret(services: ServiceCalls, post: WorkPost): ServiceAnswer {
  const parsed = parseSecretRequestJson(post.payload);
  // A malformed request is answered as the service answers every refusal, so the SDKs raise their own error with it.
  if ('problem' in parsed) return { status: 'handled', payload: Buffer.from(secretErrorReply(400, parsed.problem).body) };
  return services.secret(post.caller, parsed.request);
}

async function invoke(services: ServiceCalls, post: WorkPost): Promise<Posted> {
  const result = services.invoke({
    functionArn: post.targetArn,
    clientContext: post.clientContext,
    event: post.event,
    payload: post.payload,
  });
  // An Event resolves once stored; its failures (no such function, too large, ...) are the caller's to hear now.
  if (post.event) return refuseAgain(await result);
  // The invoker refuses what it cannot run (no such function, bad client context, throttled) before any
  // turn of the event loop: such a refusal is the POST's answer. What comes later is the result's.
  const early = await Promise.race([result.then(() => undefined, (error: unknown) => ({ error })), nextTurn()]);
  if (early !== undefined) throw early.error;
  return { pending: result.catch((error: unknown) => failedAnswer(error)) };
}

function refuseAgain(answer: ServiceAnswer): { answer: ServiceAnswer } {
  if (answer.status === 'again') throw tooManyRequests(messageOf(answer.payload));
  return { answer };
}

/** A late failure of a running invocation, as the result its caller fetches. */
function failedAnswer(error: unknown): ServiceAnswer {
  const refused = ipcErrorFrom(error);
  return { status: 'unhandled', payload: Buffer.from(JSON.stringify({ errorType: refused.errorType, errorMessage: refused.message })) };
}

function messageOf(payload: Buffer): string {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the text itself.
  }
  return payload.toString('utf8');
}

function nextTurn(): Promise<undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(undefined)));
}
