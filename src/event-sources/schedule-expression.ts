// EventBridge schedule expressions, as AWS writes them:
//   rate(1 minute)  rate(5 minutes)  rate(1 hour)  rate(2 hours)  rate(1 day)  rate(7 days)
//   cron(0 3 * * ? *)   (see cron-schedule.ts)
// AWS requires the singular unit for 1 and the plural otherwise, and so do
// we: an expression accepted here is one AWS accepts too.
import { NanolambdaError } from '../errors';
import { CronFieldError } from './cron-fields';
import { CronSchedule } from './cron-schedule';

export type ScheduleExpression =
  | { kind: 'rate'; text: string; periodMs: number }
  | { kind: 'cron'; text: string; cron: CronSchedule };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** rate(1000000 days) is already thousands of years; larger values only risk overflow. */
const MAX_RATE_VALUE = 1_000_000;
const FORMS = 'expected rate(<value> <unit>) with unit minute(s), hour(s) or day(s), or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)';

/** Parse a schedule expression; throws NanolambdaError INVALID_PARAMETER naming it and what is wrong. */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const fail = (reason: string): NanolambdaError =>
    new NanolambdaError('INVALID_PARAMETER', `invalid schedule expression "${text.length > 200 ? `${text.slice(0, 200)}...` : text}": ${reason}`);
  const rate = /^rate\((.*)\)$/.exec(text);
  if (rate) {
    const parts = /^([0-9]+) ([a-z]+)$/.exec(rate[1]!);
    if (!parts) throw fail('expected rate(<value> <unit>), such as rate(5 minutes)');
    const value = Number(parts[1]);
    const unit = parts[2]!;
    const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
    if (UNIT_MS[singular] === undefined) throw fail(`"${unit}" is not a unit: use minute(s), hour(s) or day(s)`);
    if (value < 1 || value > MAX_RATE_VALUE) throw fail(`the value must be a whole number from 1 to ${MAX_RATE_VALUE}`);
    if (value === 1 && unit !== singular) throw fail(`write rate(1 ${singular}): AWS wants the singular unit for 1`);
    if (value !== 1 && unit === singular) throw fail(`write rate(${value} ${singular}s): AWS wants the plural unit for values other than 1`);
    return { kind: 'rate', text, periodMs: value * UNIT_MS[singular]! };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) {
    try {
      return { kind: 'cron', text, cron: CronSchedule.parse(cron[1]!) };
    } catch (error) {
      if (error instanceof CronFieldError) throw fail(error.message);
      throw error;
    }
  }
  throw fail(FORMS);
}
