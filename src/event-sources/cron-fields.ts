// The six fields of an AWS EventBridge cron expression, each parsed into the
// values it allows (AWS rules, UTC):
//
//   field          values              wildcards
//   minutes        0-59                , - * /
//   hours          0-23                , - * /
//   day-of-month   1-31                , - * / ? L W      (L, LW, nW alone)
//   month          1-12 or JAN-DEC     , - * /
//   day-of-week    1-7 or SUN-SAT      , - * / ? L #      (L, nL, n#k alone)
//   year           1970-2199           , - * /
//
// `a/s` steps from a to the field's end; `a-b/s` and `*/s` step within the
// range. A range that runs backwards (22-2) is refused rather than wrapped:
// AWS does not document wrapping, and a silent guess would fire at
// unexpected times. Names are case-insensitive.

/** Thrown with the reason only; the caller adds the expression. */
export class CronFieldError extends Error {}

export interface FieldRange {
  /** Named in errors: "minutes", "day-of-week", ... */
  name: string;
  min: number;
  max: number;
  /** Names of min, min+1, ...: JAN..DEC, SUN..SAT. */
  names?: readonly string[];
}

export const MINUTES: FieldRange = { name: 'minutes', min: 0, max: 59 };
export const HOURS: FieldRange = { name: 'hours', min: 0, max: 23 };
export const DAYS_OF_MONTH: FieldRange = { name: 'day-of-month', min: 1, max: 31 };
export const MONTHS: FieldRange = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
export const DAYS_OF_WEEK: FieldRange = { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] };
export const YEARS: FieldRange = { name: 'year', min: 1970, max: 2199 };

/** Which days of a month fire: what the day-of-month or day-of-week field says. */
export type DayRule =
  | { kind: 'days-of-month'; allowed: ReadonlySet<number> }
  | { kind: 'last-day-of-month' }
  | { kind: 'last-weekday-of-month' }
  | { kind: 'weekday-nearest'; day: number }
  | { kind: 'days-of-week'; allowed: ReadonlySet<number> }
  | { kind: 'last-day-of-week-in-month'; dayOfWeek: number }
  | { kind: 'nth-day-of-week-in-month'; dayOfWeek: number; nth: number };

/** The values a list field (`,`, `-`, `*`, `/`) allows. */
export function parseValues(text: string, range: FieldRange): Set<number> {
  if (text === '') throw new CronFieldError(`the ${range.name} field is empty`);
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    for (const value of parsePart(part, range)) allowed.add(value);
  }
  return allowed;
}

function parsePart(part: string, range: FieldRange): number[] {
  const where = `the ${range.name} field's "${part}"`;
  const [span, stepText, extra] = part.split('/');
  if (extra !== undefined) throw new CronFieldError(`${where} has more than one "/"`);
  let from: number;
  let to: number;
  if (span === '*') {
    from = range.min;
    to = range.max;
  } else {
    const dash = span!.indexOf('-');
    from = parseValue(dash < 0 ? span! : span!.slice(0, dash), range, where);
    // `a/s` runs to the field's end; a bare `a` is the one value.
    to = dash < 0 ? (stepText === undefined ? from : range.max) : parseValue(span!.slice(dash + 1), range, where);
    if (to < from) throw new CronFieldError(`${where} is a range that runs backwards: write it as two ranges joined by ","`);
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^[0-9]{1,4}$/.test(stepText) || Number(stepText) < 1) {
      throw new CronFieldError(`${where} has the step "${stepText}": expected a whole number of 1 or more after "/"`);
    }
    step = Number(stepText);
  }
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** One value: digits in the field's range, or one of its names. */
export function parseValue(text: string, range: FieldRange, where: string): number {
  if (/^[0-9]{1,4}$/.test(text)) {
    const n = Number(text);
    if (n < range.min || n > range.max) {
      throw new CronFieldError(`${where}: ${n} is outside ${range.min}-${range.max}${namesHint(range)}`);
    }
    return n;
  }
  const index = range.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) {
    const wanted = range.names ? `a number from ${range.min} to ${range.max} or a name (${range.names.join(', ')})` : `a number from ${range.min} to ${range.max}`;
    throw new CronFieldError(`${where}: "${text}" is not ${wanted}`);
  }
  return range.min + index;
}

function namesHint(range: FieldRange): string {
  return range.names ? ` (or ${range.names[0]}-${range.names[range.names.length - 1]})` : '';
}

/** The day-of-month field when day-of-week is `?`. */
export function parseDayOfMonth(text: string): DayRule {
  if (text === 'L') return { kind: 'last-day-of-month' };
  if (text === 'LW') return { kind: 'last-weekday-of-month' };
  const weekday = /^([0-9]{1,2})W$/.exec(text);
  if (weekday) {
    return { kind: 'weekday-nearest', day: parseValue(weekday[1]!, DAYS_OF_MONTH, `the day-of-month field's "${text}"`) };
  }
  if (/[LW]/i.test(text)) {
    throw new CronFieldError(`the day-of-month field "${text}" misuses L or W: use L (last day), LW (last weekday) or nW (weekday nearest day n), alone`);
  }
  return { kind: 'days-of-month', allowed: parseValues(text, DAYS_OF_MONTH) };
}

/** The day-of-week field when day-of-month is `?`. */
export function parseDayOfWeek(text: string): DayRule {
  const where = `the day-of-week field's "${text}"`;
  // Alone, L is the last day of the week: Saturday.
  if (text === 'L') return { kind: 'days-of-week', allowed: new Set([7]) };
  const last = /^([0-9A-Za-z]{1,3})L$/.exec(text);
  if (last) return { kind: 'last-day-of-week-in-month', dayOfWeek: parseValue(last[1]!, DAYS_OF_WEEK, where) };
  const nth = /^([0-9A-Za-z]{1,3})#([0-9]+)$/.exec(text);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronFieldError(`${where}: #${nth[2]} is not a week of the month (1-5)`);
    return { kind: 'nth-day-of-week-in-month', dayOfWeek: parseValue(nth[1]!, DAYS_OF_WEEK, where), nth: n };
  }
  if (text.includes('#') || /L$/i.test(text)) {
    throw new CronFieldError(`the day-of-week field "${text}" misuses L or #: use L (Saturday), nL (last day n of the month) or n#k (k-th day n), alone`);
  }
  return { kind: 'days-of-week', allowed: parseValues(text, DAYS_OF_WEEK) };
}
