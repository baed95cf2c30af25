// Schedule expressions (EventBridge's rate(...) and cron(...), AWS rules,
// UTC) and when they fire next; the schedule runner's catch-up rule: at most
// one fire for all the times it missed.
import { describe, expect, it } from 'vitest';
import { parseScheduleExpression, type ScheduleExpression } from '../src/event-sources/schedule-expression';
import { ScheduleRunner } from '../src/event-sources/schedule-runner';
import { sleep, waitFor } from './helpers/wait';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next fire of `expression` after `after`, as an ISO string. */
function next(expression: string, after: string): string | undefined {
  const schedule = parseScheduleExpression(expression);
  if (schedule.kind !== 'cron') throw new Error(`${expression} is not a cron expression`);
  return iso(schedule.cron.next(at(after)));
}

/** The next `count` fires after `after`. */
function fires(expression: string, after: string, count: number): string[] {
  const schedule = parseScheduleExpression(expression);
  if (schedule.kind !== 'cron') throw new Error(`${expression} is not a cron expression`);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < count; i++) {
    t = schedule.cron.next(t)!;
    out.push(new Date(t).toISOString());
  }
  return out;
}

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(2 days)', 172_800_000],
  ])('%s is every %i ms', (text, periodMs) => {
    expect(parseScheduleExpression(text)).toMatchObject({ kind: 'rate', text, periodMs });
  });

  it.each([
    ['rate(1 minutes)', 'write rate(1 minute): AWS wants the singular unit for 1'],
    ['rate(5 minute)', 'write rate(5 minutes): AWS wants the plural unit for values other than 1'],
    ['rate(0 minutes)', 'the value must be a whole number from 1 to 1000000'],
    ['rate(5 seconds)', '"seconds" is not a unit: use minute(s), hour(s) or day(s)'],
    ['rate(minutes)', 'expected rate(<value> <unit>), such as rate(5 minutes)'],
    ['rate(5  minutes)', 'expected rate(<value> <unit>), such as rate(5 minutes)'],
    ['rate(-5 minutes)', 'expected rate(<value> <unit>), such as rate(5 minutes)'],
    ['rate(1.5 hours)', 'expected rate(<value> <unit>), such as rate(5 minutes)'],
  ])('%s is refused: %s', (text, reason) => {
    expect(() => parseScheduleExpression(text)).toThrow(`invalid schedule expression "${text}": ${reason}`);
  });

  it('refuses what is neither rate(...) nor cron(...), naming both forms', () => {
    for (const text of ['every 5 minutes', 'at(2024-01-01T00:00:00)', ' rate(5 minutes)', 'RATE(5 minutes)', '']) {
      expect(() => parseScheduleExpression(text)).toThrow(
        `invalid schedule expression "${text}": expected rate(<value> <unit>) with unit minute(s), hour(s) or day(s), or cron(`,
      );
    }
  });
});

describe('cron expressions: the next fire, in UTC', () => {
  it('fires daily at a fixed time, strictly after the given moment', () => {
    expect(next('cron(0 3 * * ? *)', '2024-01-01T00:00:00Z')).toBe('2024-01-01T03:00:00.000Z');
    expect(next('cron(0 3 * * ? *)', '2024-01-01T03:00:00Z')).toBe('2024-01-02T03:00:00.000Z');
    expect(next('cron(0 3 * * ? *)', '2024-01-01T02:59:59.999Z')).toBe('2024-01-01T03:00:00.000Z');
    // Across a year's end.
    expect(next('cron(30 23 * * ? *)', '2024-12-31T23:30:00Z')).toBe('2025-01-01T23:30:00.000Z');
  });

  it('steps with "/" from a start, from "*", and within a range', () => {
    expect(fires('cron(0/15 * * * ? *)', '2024-05-05T10:07:00Z', 4)).toEqual([
      '2024-05-05T10:15:00.000Z',
      '2024-05-05T10:30:00.000Z',
      '2024-05-05T10:45:00.000Z',
      '2024-05-05T11:00:00.000Z',
    ]);
    expect(fires('cron(*/20 * * * ? *)', '2024-05-05T10:00:00Z', 3)).toEqual([
      '2024-05-05T10:20:00.000Z',
      '2024-05-05T10:40:00.000Z',
      '2024-05-05T11:00:00.000Z',
    ]);
    expect(fires('cron(0 0 1-7/2 * ? *)', '2024-05-31T00:00:00Z', 5)).toEqual([
      '2024-06-01T00:00:00.000Z',
      '2024-06-03T00:00:00.000Z',
      '2024-06-05T00:00:00.000Z',
      '2024-06-07T00:00:00.000Z',
      '2024-07-01T00:00:00.000Z',
    ]);
    expect(fires('cron(0 0 1 1/3 ? *)', '2024-01-15T00:00:00Z', 3)).toEqual([
      '2024-04-01T00:00:00.000Z',
      '2024-07-01T00:00:00.000Z',
      '2024-10-01T00:00:00.000Z',
    ]);
  });

  it('takes lists and ranges, and joined ranges for a span across midnight', () => {
    expect(fires('cron(5,10,15 8 * * ? *)', '2024-05-05T08:07:00Z', 3)).toEqual([
      '2024-05-05T08:10:00.000Z',
      '2024-05-05T08:15:00.000Z',
      '2024-05-06T08:05:00.000Z',
    ]);
    expect(fires('cron(0 22-23,0-1 * * ? *)', '2024-05-05T21:30:00Z', 5)).toEqual([
      '2024-05-05T22:00:00.000Z',
      '2024-05-05T23:00:00.000Z',
      '2024-05-06T00:00:00.000Z',
      '2024-05-06T01:00:00.000Z',
      '2024-05-06T22:00:00.000Z',
    ]);
  });

  it('numbers days of the week 1-7 from Sunday, and takes names in any case', () => {
    // 2024-06-01 is a Saturday.
    expect(next('cron(0 0 ? * 1 *)', '2024-06-01T00:00:00Z')).toBe('2024-06-02T00:00:00.000Z');
    expect(next('cron(0 0 ? * 7 *)', '2024-06-01T00:00:00Z')).toBe('2024-06-08T00:00:00.000Z');
    expect(fires('cron(0 12 ? * MON-FRI *)', '2024-06-01T00:00:00Z', 6)).toEqual([
      '2024-06-03T12:00:00.000Z',
      '2024-06-04T12:00:00.000Z',
      '2024-06-05T12:00:00.000Z',
      '2024-06-06T12:00:00.000Z',
      '2024-06-07T12:00:00.000Z',
      '2024-06-10T12:00:00.000Z',
    ]);
    expect(fires('cron(0 0 ? * sun,Sat *)', '2024-06-03T00:00:00Z', 2)).toEqual(['2024-06-08T00:00:00.000Z', '2024-06-09T00:00:00.000Z']);
    expect(fires('cron(0 0 1 jan,JUL ? *)', '2024-02-01T00:00:00Z', 2)).toEqual(['2024-07-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(next('cron(0 0 1 MAR-MAY ? *)', '2024-01-01T00:00:00Z')).toBe('2024-03-01T00:00:00.000Z');
  });

  it('L in day-of-month is the last day (leap years counted)', () => {
    expect(next('cron(0 0 L * ? *)', '2024-02-10T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(next('cron(0 0 L * ? *)', '2023-02-10T00:00:00Z')).toBe('2023-02-28T00:00:00.000Z');
    expect(next('cron(0 0 L * ? *)', '2024-04-30T00:00:00Z')).toBe('2024-05-31T00:00:00.000Z');
    expect(next('cron(0 0 L 2 ? *)', '2100-01-01T00:00:00Z')).toBe('2100-02-28T00:00:00.000Z');
  });

  it('LW is the last weekday of the month', () => {
    // 2024-03-31 is a Sunday, 2024-08-31 a Saturday, 2024-07-31 a Wednesday.
    expect(next('cron(0 0 LW * ? *)', '2024-03-01T00:00:00Z')).toBe('2024-03-29T00:00:00.000Z');
    expect(next('cron(0 0 LW * ? *)', '2024-08-01T00:00:00Z')).toBe('2024-08-30T00:00:00.000Z');
    expect(next('cron(0 0 LW * ? *)', '2024-07-01T00:00:00Z')).toBe('2024-07-31T00:00:00.000Z');
  });

  it('nW is the weekday nearest day n, within the month', () => {
    // 2024-06-15 is a Saturday: Friday the 14th. 2024-09-15 is a Sunday: Monday the 16th.
    expect(next('cron(0 0 15W * ? *)', '2024-06-01T00:00:00Z')).toBe('2024-06-14T00:00:00.000Z');
    expect(next('cron(0 0 15W * ? *)', '2024-09-01T00:00:00Z')).toBe('2024-09-16T00:00:00.000Z');
    expect(next('cron(0 0 15W * ? *)', '2024-05-01T00:00:00Z')).toBe('2024-05-15T00:00:00.000Z');
    // 2024-06-01 is a Saturday: not back into May, but Monday the 3rd.
    expect(next('cron(0 0 1W * ? *)', '2024-05-31T00:00:00Z')).toBe('2024-06-03T00:00:00.000Z');
    // 2024-06-30 is a Sunday and the month's last day: not into July, but Friday the 28th.
    expect(next('cron(0 0 30W * ? *)', '2024-06-20T00:00:00Z')).toBe('2024-06-28T00:00:00.000Z');
    // A month without a 31st does not fire; 2024-05-31 is a Friday.
    expect(fires('cron(0 0 31W * ? *)', '2024-04-01T00:00:00Z', 2)).toEqual(['2024-05-31T00:00:00.000Z', '2024-07-31T00:00:00.000Z']);
  });

  it('nL in day-of-week is the last such day of the month; L alone is Saturday', () => {
    expect(next('cron(0 10 ? * 6L *)', '2024-06-01T00:00:00Z')).toBe('2024-06-28T10:00:00.000Z');
    expect(next('cron(0 10 ? * FRIL *)', '2024-06-29T00:00:00Z')).toBe('2024-07-26T10:00:00.000Z');
    expect(next('cron(0 10 ? * L *)', '2024-06-03T00:00:00Z')).toBe('2024-06-08T10:00:00.000Z');
  });

  it('n#k is the k-th such day of the month', () => {
    expect(next('cron(0 10 ? * 2#1 *)', '2024-06-15T00:00:00Z')).toBe('2024-07-01T10:00:00.000Z');
    expect(next('cron(0 10 ? * 2#1 *)', '2024-07-01T10:00:00Z')).toBe('2024-08-05T10:00:00.000Z');
    expect(next('cron(0 10 ? * MON#3 *)', '2024-06-01T00:00:00Z')).toBe('2024-06-17T10:00:00.000Z');
    // A fifth Friday only in some months: 2024-05-31, then 2024-08-30.
    expect(fires('cron(0 0 ? * FRI#5 *)', '2024-05-01T00:00:00Z', 2)).toEqual(['2024-05-31T00:00:00.000Z', '2024-08-30T00:00:00.000Z']);
  });

  it('honours the year field, and has no fire once its years are past', () => {
    expect(next('cron(0 8 1 * ? 2030)', '2024-01-01T00:00:00Z')).toBe('2030-01-01T08:00:00.000Z');
    expect(next('cron(0 8 1 * ? 2026-2027)', '2027-12-01T08:00:00Z')).toBeUndefined();
    expect(next('cron(0 0 29 2 ? *)', '2025-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(59 23 31 12 ? 2199)', '2199-12-31T23:59:00Z')).toBeUndefined();
  });

  it('is UTC all year: no daylight-saving gap or repeat', () => {
    // Europe and the US change clocks on these dates; UTC does not.
    expect(fires('cron(30 1 * * ? *)', '2024-03-30T12:00:00Z', 2)).toEqual(['2024-03-31T01:30:00.000Z', '2024-04-01T01:30:00.000Z']);
    expect(fires('cron(30 1 * * ? *)', '2024-11-02T12:00:00Z', 2)).toEqual(['2024-11-03T01:30:00.000Z', '2024-11-04T01:30:00.000Z']);
  });

  it.each([
    ['cron(0 3 * * * *)', 'exactly one of day-of-month ("*") and day-of-week ("*") must be "?"'],
    ['cron(0 3 ? * ? *)', 'exactly one of day-of-month ("?") and day-of-week ("?") must be "?"'],
    ['cron(0 3 * * ?)', 'expected six fields (minutes hours day-of-month month day-of-week year), found 5'],
    ['cron(0 3 * * ? * *)', 'expected six fields (minutes hours day-of-month month day-of-week year), found 7'],
    ['cron(60 * * * ? *)', `the minutes field's "60": 60 is outside 0-59`],
    ['cron(0 24 * * ? *)', `the hours field's "24": 24 is outside 0-23`],
    ['cron(0 0 32 * ? *)', `the day-of-month field's "32": 32 is outside 1-31`],
    ['cron(0 0 0 * ? *)', `the day-of-month field's "0": 0 is outside 1-31`],
    ['cron(0 0 ? * 8 *)', `the day-of-week field's "8": 8 is outside 1-7 (or SUN-SAT)`],
    ['cron(0 0 1 13 ? *)', `the month field's "13": 13 is outside 1-12 (or JAN-DEC)`],
    ['cron(0 0 1 FOO ? *)', `the month field's "FOO": "FOO" is not a number from 1 to 12 or a name (JAN, FEB`],
    ['cron(0 0 ? * MON#6 *)', `the day-of-week field's "MON#6": #6 is not a week of the month (1-5)`],
    ['cron(0 0 * * ? 1969)', `the year field's "1969": 1969 is outside 1970-2199`],
    ['cron(0 22-2 * * ? *)', `the hours field's "22-2" is a range that runs backwards`],
    ['cron(0/0 * * * ? *)', `the minutes field's "0/0" has the step "0"`],
    ['cron(0 0 L-2 * ? *)', 'the day-of-month field "L-2" misuses L or W'],
    ['cron(0 0 1,L * ? *)', 'the day-of-month field "1,L" misuses L or W'],
    ['cron(0 0 ? * 2#1,3 *)', 'the day-of-week field "2#1,3" misuses L or #'],
    ['cron(? 0 * * ? *)', '"?" is allowed only in the day-of-month or day-of-week field'],
    ['cron(0 0 1,,2 * ? *)', `the day-of-month field's "": "" is not a number from 1 to 31`],
    ['cron(0 0 30 FEB ? *)', 'it matches no date at all (such as the 30th of February)'],
    ['cron(0 0 31 4,6,9,11 ? *)', 'it matches no date at all'],
  ])('%s is refused: %s', (text, reason) => {
    expect(() => parseScheduleExpression(text)).toThrow(`invalid schedule expression "${text}": ${reason}`);
  });

  it('names the expression in an INVALID_PARAMETER error', () => {
    try {
      parseScheduleExpression('cron(0 3 * * * *)');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'NanolambdaError', code: 'INVALID_PARAMETER' });
    }
  });
});

describe('the schedule runner: at most one fire for missed times', () => {
  /** A schedule's stored state, kept in memory for the runner. */
  const memoryState = (initial?: { expression: string; anchorMs: number }) => {
    const state = { saved: initial };
    return {
      state,
      store: { load: () => state.saved, save: (expression: string, anchorMs: number) => (state.saved = { expression, anchorMs }) },
    };
  };
  const runner = (schedule: ScheduleExpression, store: ReturnType<typeof memoryState>['store'], fired: number[]) =>
    new ScheduleRunner({ schedule, state: store, fire: (t) => fired.push(t), onError: (e) => { throw e; } });

  it('a rate schedule down for three periods fires once, for the first missed time, then goes on from now', async () => {
    const hour = 3_600_000;
    const anchor = Date.now() - 3 * hour - 60_000;
    const { state, store } = memoryState({ expression: 'rate(1 hour)', anchorMs: anchor });
    const fired: number[] = [];
    const r = runner(parseScheduleExpression('rate(1 hour)'), store, fired);
    r.start();
    await waitFor(() => fired.length > 0, 5000, 'the catch-up fire');
    await sleep(100);
    r.stop();
    expect(fired).toEqual([anchor + hour]);
    // Everything up to now is accounted for: a restart would not fire again.
    expect(state.saved!.anchorMs).toBeGreaterThan(anchor + 3 * hour);
    expect(r.nextFireMs! - state.saved!.anchorMs).toBe(hour);
  });

  it('a nightly cron the gateway slept through fires once when it wakes', async () => {
    const anchor = Date.UTC(2020, 0, 1, 12);
    const { state, store } = memoryState({ expression: 'cron(0 3 * * ? *)', anchorMs: anchor });
    const fired: number[] = [];
    const r = runner(parseScheduleExpression('cron(0 3 * * ? *)'), store, fired);
    r.start();
    await waitFor(() => fired.length > 0, 5000, 'the catch-up fire');
    await sleep(100);
    r.stop();
    expect(fired.map((t) => new Date(t).toISOString())).toEqual(['2020-01-02T03:00:00.000Z']);
    expect(new Date(r.nextFireMs!).getUTCHours()).toBe(3);
    expect(r.nextFireMs!).toBeGreaterThan(Date.now());
    expect(state.saved!.anchorMs).toBeLessThanOrEqual(Date.now());
  });

  it('a new schedule, or one whose expression changed, does not fire for the past', async () => {
    for (const initial of [undefined, { expression: 'rate(2 hours)', anchorMs: Date.now() - 86_400_000 }]) {
      const { state, store } = memoryState(initial);
      const fired: number[] = [];
      const before = Date.now();
      const r = runner(parseScheduleExpression('rate(1 hour)'), store, fired);
      r.start();
      await sleep(100);
      r.stop();
      expect(fired).toEqual([]);
      expect(state.saved).toMatchObject({ expression: 'rate(1 hour)' });
      expect(state.saved!.anchorMs).toBeGreaterThanOrEqual(before);
      expect(r.nextFireMs).toBe(state.saved!.anchorMs + 3_600_000);
    }
  });

  it('a saved time in the future (the clock went back) starts afresh instead of waiting for it', async () => {
    const { state, store } = memoryState({ expression: 'rate(1 day)', anchorMs: Date.now() + 30 * 86_400_000 });
    const fired: number[] = [];
    const r = runner(parseScheduleExpression('rate(1 day)'), store, fired);
    r.start();
    await sleep(50);
    r.stop();
    expect(fired).toEqual([]);
    expect(state.saved!.anchorMs).toBeLessThanOrEqual(Date.now());
    expect(r.nextFireMs! - Date.now()).toBeLessThanOrEqual(86_400_000);
  });
});
