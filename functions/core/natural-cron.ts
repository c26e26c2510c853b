/**
 * Crons in words, as sidekiq-cron reads them through Fugit ("every 5 minutes", "every day at
 * five", "every monday at 9am"): the subset Fugit's own spec (spec/nat_spec.rb) documents,
 * turned into the cron expression it means. No npm parser speaks Fugit's grammar, so this is
 * ours. Anything it cannot read as exactly one cron is refused with what it understood: where
 * Fugit would quietly keep the first of several crons ("every day at 18:15 and 20:45"), we ask
 * for two jobs.
 */

/** A cron in words read: its expression (with a trailing zone if one was named), or why not. */
export type NaturalCron = { cron: string } | { problem: string };

// biome-ignore format: a table reads better on few lines
const WEEKDAYS: Readonly<Record<string, number>> = {
  sun: 0, sunday: 0, mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, fri: 5, friday: 5, sat: 6, saturday: 6,
};
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const ORDINAL_WORDS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3 };
// biome-ignore format: a table reads better on few lines
const UNITS: Readonly<Record<string, Unit>> = {
  s: 'second', sec: 'second', secs: 'second', second: 'second', seconds: 'second',
  m: 'minute', min: 'minute', mins: 'minute', minute: 'minute', minutes: 'minute',
  h: 'hour', hour: 'hour', hours: 'hour', day: 'day', days: 'day', week: 'week', weeks: 'week',
  M: 'month', month: 'month', months: 'month', year: 'year', years: 'year',
};
/** The largest step each unit's field holds: "every 90 minutes" is no cron. */
const LARGEST_STEP: Readonly<Record<Unit, number>> = { second: 59, minute: 59, hour: 23, day: 31, week: 1, month: 12, year: 1 };
type Unit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** True when `text` is written in words (starts with "every" or "from"), not as cron fields. */
export function isNaturalCron(text: string): boolean {
  return /^\s*(every|from)\b/i.test(text);
}

/** The cron's fields as they are filled in, seconds first when there are seconds. */
interface Fields {
  second?: string;
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
}

class Unreadable extends Error {}

/** A cursor over the words, which remembers how far it understood. */
class Words {
  private index = 0;
  constructor(private readonly words: readonly string[]) {}
  peek(offset = 0): string | undefined {
    return this.words[this.index + offset];
  }
  next(): string | undefined {
    return this.words[this.index++];
  }
  /** Consumes the next word when it is one of `choices` (lower case). */
  take(...choices: string[]): boolean {
    const word = this.peek()?.toLowerCase();
    if (word === undefined || !choices.includes(word)) return false;
    this.index++;
    return true;
  }
  done(): boolean {
    return this.index >= this.words.length;
  }
  understood(): string {
    return this.words.slice(0, this.index).join(' ');
  }
  rest(): string {
    return this.words.slice(this.index).join(' ');
  }
}

/** Splits on blanks; a comma reads as "and", and "and" after a comma is one "and". */
function wordsOf(text: string): string[] {
  const words = text.replace(/,/g, ' and ').trim().split(/\s+/);
  return words.filter((word, index) => !(word.toLowerCase() === 'and' && words[index - 1]?.toLowerCase() === 'and'));
}

function numberOf(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  if (/^\d{1,4}$/.test(word)) return Number(word);
  const index = NUMBER_WORDS.indexOf(word.toLowerCase());
  return index === -1 ? undefined : index;
}

/** One time of day: `five`, `5 pm`, `5pm`, `16:30`, `8:30 am`, `noon`, `midnight`. */
function timeOf(words: Words): [hour: number, minute: number] | undefined {
  const word = words.peek()?.toLowerCase();
  if (word === undefined) return undefined;
  if (word === 'noon' || word === 'midnight') {
    words.next();
    return [word === 'noon' ? 12 : 0, 0];
  }
  const match = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/.exec(word);
  const hourWord = match ? Number(match[1]) : numberOf(word);
  if (hourWord === undefined || (match === null && NUMBER_WORDS.indexOf(word) === -1)) return undefined;
  words.next();
  const minute = match?.[2] === undefined ? 0 : Number(match[2]);
  const half = match?.[3] ?? (words.take('am') ? 'am' : words.take('pm') ? 'pm' : undefined);
  if (half !== undefined && (hourWord < 1 || hourWord > 12)) throw new Unreadable(`"${word} ${half}" is no time of day`);
  const hour = half === 'pm' ? (hourWord % 12) + 12 : half === 'am' ? hourWord % 12 : hourWord;
  if (hour > 23 || minute > 59) throw new Unreadable(`"${word}" is no time of day`);
  return [hour, minute];
}

/** `at T [and T ...]` (or the times alone): sets the minute and hour fields, when they make one cron. */
function readTimes(words: Words, fields: Fields): void {
  const hadAt = words.take('at');
  const times: [number, number][] = [];
  for (let time = timeOf(words); time; time = words.take('and') ? timeOf(words) : undefined) times.push(time);
  if (times.length === 0) {
    if (hadAt) throw new Unreadable('expected a time of day after "at"');
    return;
  }
  const hours = [...new Set(times.map(([hour]) => hour))].sort((a, b) => a - b);
  const minutes = [...new Set(times.map(([, minute]) => minute))].sort((a, b) => a - b);
  // One cron holds every hour with every minute: 18:00 and 20:15 would be two crons.
  if (hours.length * minutes.length !== new Set(times.map(String)).size) {
    const crons = times.map(([hour, minute]) => `${minute} ${hour} ${fields.dayOfMonth} ${fields.month} ${fields.dayOfWeek}`);
    throw new Unreadable(`the times make ${crons.length} crons (${crons.join(', ')}), not one; give each its own job`);
  }
  fields.minute = minutes.join(',');
  fields.hour = hours.join(',');
}

function weekdayOf(word: string | undefined): number | undefined {
  return word === undefined ? undefined : WEEKDAYS[word.toLowerCase()];
}

/** `monday`, `mon and fri`, `Mon to Thu`, `mon-thu`, `Monday through Friday`, `weekday`. */
function readWeekdays(words: Words): string | undefined {
  if (words.take('weekday', 'weekdays')) return '1-5';
  const days: string[] = [];
  for (;;) {
    const [from, to] = (words.peek() ?? '').split('-');
    const first = weekdayOf(from);
    if (first === undefined) break;
    words.next();
    const last = to !== undefined ? weekdayOf(to) : words.take('to', 'through', 'thru') ? weekdayOf(words.next()) : undefined;
    if (to !== undefined && last === undefined) throw new Unreadable(`"${from}-${to}" is no range of weekdays`);
    // A range that wraps past Sunday (Fri-Sun) is written out, which every cron reads alike.
    if (last !== undefined && last < first) days.push(...[0, 1, 2, 3, 4, 5, 6].filter((day) => day >= first || day <= last).map(String));
    else days.push(last === undefined ? String(first) : `${first}-${last}`);
    if (!words.take('and', 'or')) break;
  }
  if (days.length === 0) return undefined;
  const single = days.every((day) => !day.includes('-'));
  return single ? [...new Set(days.map(Number))].sort((a, b) => a - b).join(',') : days.join(',');
}

/** `1st`, `2nd`, `the 15th`, `first`: a day of the month. */
function ordinalOf(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const match = /^(\d{1,2})(st|nd|rd|th)$/i.exec(word);
  const day = match ? Number(match[1]) : ORDINAL_WORDS[word.toLowerCase()];
  return day !== undefined && day >= 1 && day <= 31 ? day : undefined;
}

/** After `every month on`: `the 1st and the 2nd`, `day 2 and 5`, `days 1 and 15`. */
function readDaysOfMonth(words: Words): string {
  const days: number[] = [];
  const byNumber = words.take('day', 'days');
  do {
    words.take('the');
    const day = byNumber ? numberOf(words.peek()) : ordinalOf(words.peek());
    if (day === undefined || day < 1 || day > 31) throw new Unreadable('expected a day of the month');
    words.next();
    days.push(day);
  } while (words.take('and'));
  return [...new Set(days)].sort((a, b) => a - b).join(',');
}

/** `every [N] unit ...`: the cron of an interval, with what may follow it. */
function readInterval(words: Words, count: number, unit: Unit): Fields {
  const step = (field: string) => (count === 1 ? field : `${field}/${count}`);
  const fields: Fields = { minute: '0', hour: '0', dayOfMonth: '*', month: '*', dayOfWeek: '*' };
  if ((unit === 'week' || unit === 'year') && count !== 1) {
    throw new Unreadable(`a cron cannot say every ${count} ${unit}s (Fugit refuses it too)`);
  }
  if (count > LARGEST_STEP[unit]) throw new Unreadable(`every ${count} ${unit}s does not fit one cron (at most ${LARGEST_STEP[unit]})`);
  switch (unit) {
    case 'second':
      return { ...fields, second: step('*'), minute: '*', hour: '*' };
    case 'minute':
      if (count === 1 && words.take('at') && words.take('second', 'seconds', 'sec', 'secs')) {
        return { ...fields, second: readNumbers(words, 59), minute: '*', hour: '*' };
      }
      return { ...fields, minute: step('*'), hour: '*' };
    case 'hour': {
      const atMinute = words.take('at');
      if (atMinute && !words.take('minute', 'min')) throw new Unreadable('expected "minute" after "at"');
      return { ...fields, minute: atMinute ? readNumbers(words, 59) : '0', hour: step('*') };
    }
    case 'day':
      fields.dayOfMonth = step('*');
      break;
    case 'week':
      fields.dayOfWeek = words.take('on') ? (readWeekdays(words) ?? fail('expected a weekday after "on"')) : '0';
      break;
    case 'month':
      fields.dayOfMonth = words.take('on') ? readDaysOfMonth(words) : '1';
      fields.month = step('*');
      break;
    case 'year':
      fields.dayOfMonth = '1';
      fields.month = '1';
      break;
  }
  readTimes(words, fields);
  return fields;
}

/** `10`, `10 and 40`: numbers up to `max`, for the seconds or minutes field. */
function readNumbers(words: Words, max: number): string {
  const numbers: number[] = [];
  do {
    const value = numberOf(words.peek());
    if (value === undefined || value > max) throw new Unreadable(`expected a number from 0 to ${max}`);
    words.next();
    numbers.push(value);
  } while (words.take('and'));
  return [...new Set(numbers)].sort((a, b) => a - b).join(',');
}

function fail(message: string): never {
  throw new Unreadable(message);
}

/** The body after `every` (or `from`, which only takes weekdays). */
function readBody(words: Words, from: boolean): Fields {
  const compact = /^(\d+)([smhM])$/.exec(words.peek() ?? '');
  if (!from && compact) {
    words.next();
    return readInterval(words, Number(compact[1]), UNITS[compact[2] as string] as Unit);
  }
  const count = from ? undefined : numberOf(words.peek());
  if (count !== undefined && count >= 1 && UNITS[words.peek(1) ?? ''] !== undefined) {
    words.next();
    return readInterval(words, count, UNITS[words.next() as string] as Unit);
  }
  const unit = from ? undefined : UNITS[(words.peek() ?? '').toLowerCase()];
  if (unit !== undefined && unit !== 'second') {
    words.next();
    return readInterval(words, 1, unit);
  }
  // "every second" is each second, "every second of the month" the 2nd: the next word decides.
  if (unit === 'second' && words.peek(1)?.toLowerCase() !== 'of') {
    words.next();
    return readInterval(words, 1, 'second');
  }
  const fields: Fields = { minute: '0', hour: '0', dayOfMonth: '*', month: '*', dayOfWeek: '*' };
  const day = ordinalOf(words.peek());
  if (!from && day !== undefined) {
    words.next();
    if (!(words.take('of') && words.take('the') && words.take('month'))) throw new Unreadable('expected "of the month"');
    fields.dayOfMonth = String(day);
  } else {
    const weekdays = readWeekdays(words);
    if (weekdays === undefined) throw new Unreadable('expected an interval ("5 minutes"), "day", a weekday or a day of the month');
    fields.dayOfWeek = weekdays;
  }
  readTimes(words, fields);
  return fields;
}

/** A trailing zone: `in Asia/Tokyo`, `on America/Bogota`, `UTC`. */
function zoneOf(words: string[]): string | undefined {
  const last = words.at(-1);
  if (last === undefined || !(last.includes('/') || /^(utc|gmt|z)$/i.test(last))) return undefined;
  words.pop();
  if (/^(in|on)$/i.test(words.at(-1) ?? '')) words.pop();
  return last.toUpperCase() === 'Z' ? 'UTC' : last;
}

/**
 * Reads a cron in words into its expression, or says what it understood and what it could not
 * read. Call it only for text that `isNaturalCron` accepts.
 */
export function naturalCron(text: string): NaturalCron {
  const all = wordsOf(text);
  const zone = zoneOf(all);
  const words = new Words(all);
  try {
    const from = words.take('from');
    if (!from && !words.take('every')) throw new Unreadable('expected "every" or "from"');
    const fields = readBody(words, from);
    if (!words.done()) throw new Unreadable(`cannot read "${words.rest()}"`);
    const parts = [fields.second, fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek];
    const cron = parts.filter((part) => part !== undefined).join(' ');
    return { cron: zone === undefined ? cron : `${cron} ${zone}` };
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    const understood = words.understood();
    return { problem: `${understood ? `understood "${understood}", then ` : ''}${error.message}` };
  }
}
