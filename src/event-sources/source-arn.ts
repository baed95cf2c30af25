// The EventSourceArn forms nanolambda accepts in CreateEventSourceMapping
// (the Lambda API has no other field to say what the source is). Both match
// the API model's Arn pattern, so the AWS CLI and SDKs send them unchanged:
//
//   arn:aws:scheduler:::schedule/<expression>   a schedule, e.g.
//       arn:aws:scheduler:::schedule/rate(5 minutes)
//       arn:aws:scheduler:::schedule/cron(0 3 * * ? *)
//   arn:aws:s3:::<bucket>                        the local bucket <StateDir>/buckets/<bucket>:
//       every file that appears in it (or below it) is an ObjectCreated:Put
//
// Mappings from the group file are shown with the same forms (a watched
// directory as arn:aws:s3:::<its Bucket>).
import { NanolambdaError } from '../errors';
import { parseScheduleExpression, type ScheduleExpression } from './schedule-expression';

export type EventSource = { kind: 'schedule'; schedule: ScheduleExpression } | { kind: 'bucket'; bucket: string };

const SCHEDULE_PREFIX = 'arn:aws:scheduler:::schedule/';
const BUCKET_PREFIX = 'arn:aws:s3:::';

export function scheduleArn(expression: string): string {
  return `${SCHEDULE_PREFIX}${expression}`;
}

export function bucketArn(bucket: string): string {
  return `${BUCKET_PREFIX}${bucket}`;
}

/** What an EventSourceArn names; throws NanolambdaError INVALID_PARAMETER naming the ARN and the accepted forms. */
export function parseEventSourceArn(arn: string): EventSource {
  if (arn.startsWith(SCHEDULE_PREFIX)) {
    return { kind: 'schedule', schedule: parseScheduleExpression(arn.slice(SCHEDULE_PREFIX.length)) };
  }
  if (arn.startsWith(BUCKET_PREFIX)) {
    const bucket = arn.slice(BUCKET_PREFIX.length);
    const wrong = bucketNameProblem(bucket);
    if (wrong !== undefined) throw new NanolambdaError('INVALID_PARAMETER', `EventSourceArn '${arn}': the bucket name ${wrong}`);
    return { kind: 'bucket', bucket };
  }
  const shown = arn.length > 200 ? `${arn.slice(0, 200)}...` : arn;
  throw new NanolambdaError(
    'INVALID_PARAMETER',
    `EventSourceArn '${shown}' is not a source nanolambda serves: use ${SCHEDULE_PREFIX}rate(5 minutes) ` +
      `(or ...schedule/cron(0 3 * * ? *)) for a schedule, or ${BUCKET_PREFIX}<bucket> for the local bucket <StateDir>/buckets/<bucket>`,
  );
}

/**
 * Why `name` is not an S3 bucket name (3-63 of a-z 0-9 . -, starting and
 * ending with a letter or digit, no "..", not an IP address), or undefined.
 * The rule also keeps the name a safe single path component.
 */
export function bucketNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    return `${shown} is not 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit`;
  }
  if (name.includes('..')) return `${shown} has two adjacent periods`;
  if (/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(name)) return `${shown} is formatted as an IP address`;
  return undefined;
}
