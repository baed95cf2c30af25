// An AWS EventBridge cron expression, `cron(min hour day-of-month month
// day-of-week year)`, and the next time it fires. Times are UTC (as AWS
// evaluates them): no daylight-saving gaps or repeats.
//
// AWS requires exactly one of day-of-month and day-of-week to be `?` (the
// other is a value, a list, or `*`), so a day matches one rule, never both.
import {
  CronFieldError,
  HOURS,
  MINUTES,
  MONTHS,
  YEARS,
  parseDayOfMonth,
  parseDayOfWeek,
  parseValues,
  type DayRule,
} from './cron-fields';

const MINUTE_MS = 60_000;

export class CronSchedule {
  private constructor(
    private readonly minutes: ReadonlySet<number>,
    private readonly hours: ReadonlySet<number>,
    private readonly days: DayRule,
    private readonly months: ReadonlySet<number>,
    private readonly years: ReadonlySet<number>,
  ) {}

  /** The six fields inside `cron(...)`; throws CronFieldError with the reason. */
  static parse(fields: string): CronSchedule {
    const parts = fields.trim().split(/\s+/);
    if (parts.length !== 6) {
      throw new CronFieldError(
        `expected six fields (minutes hours day-of-month month day-of-week year), found ${parts.length}`,
      );
    }
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [string, string, string, string, string, string];
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      throw new CronFieldError(
        `exactly one of day-of-month ("${dayOfMonth}") and day-of-week ("${dayOfWeek}") must be "?": ` +
          'give a value or * in one and ? in the other',
      );
    }
    if (minutes.includes('?') || hours.includes('?') || month.includes('?') || year.includes('?')) {
      throw new CronFieldError('"?" is allowed only in the day-of-month or day-of-week field');
    }
    const days = dayOfWeek === '?' ? parseDayOfMonth(dayOfMonth) : parseDayOfWeek(dayOfWeek);
    const schedule = new CronSchedule(
      parseValues(minutes, MINUTES),
      parseValues(hours, HOURS),
      days,
      parseValues(month, MONTHS),
      parseValues(year, YEARS),
    );
    // Refused now rather than a schedule that silently never runs.
    if (schedule.next(Date.UTC(YEARS.min, 0, 1) - MINUTE_MS) === undefined) {
      throw new CronFieldError('it matches no date at all (such as the 30th of February)');
    }
    return schedule;
  }

  /** The first minute strictly after `afterMs` (epoch ms) that matches; undefined after year 2199. */
  next(afterMs: number): number | undefined {
    let t = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    // Each pass moves to the start of the next year, month, day, hour or
    // minute that could match; a few thousand passes cover any expression.
    for (;;) {
      const d = new Date(t);
      const year = d.getUTCFullYear();
      if (year > YEARS.max) return undefined;
      if (!this.years.has(year)) {
        t = Date.UTC(year + 1, 0, 1);
        continue;
      }
      const month = d.getUTCMonth();
      if (!this.months.has(month + 1)) {
        t = Date.UTC(year, month + 1, 1);
        continue;
      }
      const day = d.getUTCDate();
      if (!dayMatches(this.days, year, month, day)) {
        t = Date.UTC(year, month, day + 1);
        continue;
      }
      const hour = d.getUTCHours();
      if (!this.hours.has(hour)) {
        t = Date.UTC(year, month, day, hour + 1);
        continue;
      }
      if (!this.minutes.has(d.getUTCMinutes())) {
        t += MINUTE_MS;
        continue;
      }
      return t;
    }
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** 1 (Sunday) to 7 (Saturday), as AWS numbers days of the week. */
function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const dow = dayOfWeek(year, month, day);
  return dow >= 2 && dow <= 6;
}

/** The weekday nearest `day` within the same month (Quartz's nW). */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const dow = dayOfWeek(year, month, day);
  if (dow === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday the 3rd
  if (dow === 1) return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before the end
  return day;
}

function dayMatches(rule: DayRule, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  switch (rule.kind) {
    case 'days-of-month':
      return rule.allowed.has(day);
    case 'last-day-of-month':
      return day === last;
    case 'last-weekday-of-month': {
      let candidate = last;
      while (!isWeekday(year, month, candidate)) candidate--;
      return day === candidate;
    }
    case 'weekday-nearest':
      // A month without that day (31W in April) does not fire.
      return rule.day <= last && day === nearestWeekday(year, month, rule.day);
    case 'days-of-week':
      return rule.allowed.has(dayOfWeek(year, month, day));
    case 'last-day-of-week-in-month':
      return dayOfWeek(year, month, day) === rule.dayOfWeek && day + 7 > last;
    case 'nth-day-of-week-in-month':
      return dayOfWeek(year, month, day) === rule.dayOfWeek && Math.ceil(day / 7) === rule.nth;
  }
}
