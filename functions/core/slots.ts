/**
 * Cron slots: which instants a job is due at, computed with cron-parser in the job's zone.
 *
 * Daylight saving (decided, documented in the README, tested in slots.test.ts):
 * - A job whose hour field is `*` follows real time: in a repeated hour it runs in both hours,
 *   in a skipped hour there is nothing to run.
 * - A job with fixed hours follows the wall clock, resolved as RFC 5545 and Temporal's
 *   `compatible` do: a time that does not exist is shifted forward by the gap
 *   (02:30 on a spring-forward day in Berlin runs at 03:30 CEST), and a time that exists twice
 *   runs once, at its first occurrence. So a daily job runs exactly once every day.
 */
import { CronExpression, CronExpressionParser, type CronFieldCollection } from 'cron-parser';
import { DateTime } from 'luxon';
import { CronExpressionError } from './errors.js';
import type { JobDefinition } from './types.js';

const HOUR_MS = 3_600_000;
/** Around a wall-clock time, offsets are sampled this far before and after to find DST changes. */
const MAX_SHIFT_MS = 26 * HOUR_MS;
/** Largest single DST shift in any zone (Lord Howe: 30 min, Troll: 2 h), with room. */
const DST_MARGIN_MS = 3 * HOUR_MS;
/** Upper bound on slots one window may hold, so a per-second cron over a year cannot hang a tick. */
export const MAX_SLOTS_PER_WINDOW = 10_000;

/** A parsed cron: the fields, the zone, and how DST applies to it. */
export interface CronSchedule {
  expression: string;
  timezone: string;
  /** True when it fires at other seconds than :00, so a node must tick every second. */
  hasSeconds: boolean;
  /** True when the hour field matches every hour, so the job follows real time across DST. */
  everyHour: boolean;
  /** Seed of cron-parser's `H` fields: the job's name, so every instance computes the same slots. */
  hashSeed: string;
  /** The job's bounds (`startAt`, `endAt`; time-bounds.ts): no slot before the first or after the second. */
  startMs?: number;
  endMs?: number;
  /** A one-time job's (`at`) only slot: the expression is then only its description. */
  onceAtMs?: number;
}

/** The `@` shorthands cron-parser knows (`@daily`, `@hourly`, ...), as sidekiq-cron users write them. */
const SHORTHANDS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@hourly',
  '@minutely',
  '@secondly',
  '@weekdays',
  '@weekends',
]);

const W_NOT_SUPPORTED_TEXT =
  '"W" (the weekday nearest a day of the month) is not supported: give the days (1-5 in the weekday field), L (the last day) or # (1#1: the first Monday)';

/** True when `zone` is an IANA zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  let valid = knownZones.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = DateTime.now().setZone(zone).isValid;
    } catch {
      valid = false;
    }
    // Every tick asks again for every job; the answer never changes within a process.
    if (knownZones.size < 1_000) knownZones.set(zone, valid);
  }
  return valid;
}
const knownZones = new Map<string, boolean>();

/**
 * Splits an optional trailing zone off a sidekiq-cron style expression
 * (`"0 22 * * 1-5 America/Chicago"`): cron-parser does not accept one.
 */
export function splitZone(raw: string): { expression: string; zone?: string } {
  const tokens = raw.trim().split(/\s+/);
  const last = tokens[tokens.length - 1];
  if (
    tokens.length >= 2 &&
    last &&
    /[A-Za-z]/.test(last) &&
    /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(last) &&
    (last.includes('/') || isValidTimeZone(last))
  ) {
    return { expression: tokens.slice(0, -1).join(' '), zone: last };
  }
  return { expression: tokens.join(' ') };
}

/**
 * Validates and parses a cron expression (5 fields, 6 with seconds first, or an `@` shorthand)
 * in `timezone`. `hashSeed` fixes what `H` means; pass the job's name.
 * @throws CronExpressionError naming the expression and what is wrong with it.
 */
export function parseCron(expression: string, timezone: string, hashSeed = ''): CronSchedule {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  const first = fields[0] ?? '';
  const shorthand = fields.length === 1 && first.startsWith('@');
  if (shorthand && !SHORTHANDS.has(first)) {
    throw new CronExpressionError(`cron "${expression}" is not a known shorthand (known: ${[...SHORTHANDS].join(', ')})`, {
      value: expression,
    });
  }
  if (!shorthand && fields.length !== 5 && fields.length !== 6) {
    throw new CronExpressionError(
      `cron "${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected 5 (minute hour day month weekday) or 6 (second first)`,
      { value: expression },
    );
  }
  if (!isValidTimeZone(timezone)) {
    throw new CronExpressionError(`unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin or UTC)`, { value: timezone });
  }
  const normalized = fields.join(' ');
  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(normalized, { tz: 'UTC', strict: false, hashSeed });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    // Quartz's W (15W, LW) is not one of cron-parser's characters: say so, and what to write.
    const dayOfMonth = fields[fields.length - 3] ?? '';
    const hint = /W/i.test(dayOfMonth) ? `; ${W_NOT_SUPPORTED_TEXT}` : '';
    throw new CronExpressionError(`cron "${expression}" is invalid: ${reason}${hint}`, { value: expression }, { cause });
  }
  const hours = new Set(parsed.fields.hour.values.map(Number));
  const seconds = parsed.fields.second.values.map(Number);
  return { expression: normalized, timezone, hasSeconds: seconds.length !== 1 || seconds[0] !== 0, everyHour: hours.size === 24, hashSeed };
}

/** What of a job its slots depend on: its cron, zone and name (which seeds `H`), and its bounds. */
export type ScheduledJob = { name: string; cron: string; timezone: string } & Partial<
  Pick<JobDefinition, 'atMs' | 'startAtMs' | 'endAtMs'>
>;

/** The parsed cron of a job definition, with its bounds. */
export function cronOf(job: ScheduledJob): CronSchedule {
  // Parsed once per job and process: a tick asks for every job, every time.
  const key = `${job.name}\u0000${job.cron}\u0000${job.timezone}\u0000${job.atMs}\u0000${job.startAtMs}\u0000${job.endAtMs}`;
  let schedule = parsedCrons.get(key);
  if (!schedule) {
    schedule = {
      ...parseCron(job.cron, job.timezone, job.name),
      ...(job.startAtMs !== undefined && { startMs: job.startAtMs }),
      ...(job.endAtMs !== undefined && { endMs: job.endAtMs }),
      ...(job.atMs !== undefined && { onceAtMs: job.atMs, startMs: job.atMs, endMs: job.atMs }),
    };
    if (parsedCrons.size < 100_000) parsedCrons.set(key, schedule);
  }
  return schedule;
}
const parsedCrons = new Map<string, CronSchedule>();

/** Offset of `zone` from UTC at the instant `ms`, in milliseconds. */
function offsetMs(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset * 60_000;
}

/**
 * Maps a wall-clock time (given as if it were UTC) in `zone` to an instant: a repeated time
 * maps to its first occurrence, a missing one is shifted forward by the gap.
 */
export function wallClockToInstantMs(wallMs: number, zone: string): number {
  const before = offsetMs(zone, wallMs - MAX_SHIFT_MS / 2);
  const after = offsetMs(zone, wallMs + MAX_SHIFT_MS / 2);
  const candidates = [...new Set([before, after])]
    .map((offset) => wallMs - offset)
    .filter((instant) => instant + offsetMs(zone, instant) === wallMs)
    .sort((a, b) => a - b);
  // No candidate: the wall time falls in a gap; reading it with the offset in force before
  // the gap shifts it forward by the gap's length.
  return candidates[0] ?? wallMs - before;
}

/**
 * The parsed fields of a schedule: a tick asks for every job's slots several times, and parsing
 * was most of a tick's cron work. Fields are read-only; each iteration gets a fresh
 * CronExpression over them (its own current date and DST state), as `parse` would build it.
 */
function fieldsOf(schedule: CronSchedule): CronFieldCollection {
  const key = `${schedule.hashSeed}\u0000${schedule.expression}`;
  let fields = parsedFields.get(key);
  if (!fields) {
    fields = CronExpressionParser.parse(schedule.expression, { hashSeed: schedule.hashSeed }).fields;
    if (parsedFields.size < 100_000) parsedFields.set(key, fields);
  }
  return fields;
}
const parsedFields = new Map<string, CronFieldCollection>();

/** Iterates cron-parser from `fromMs` (exclusive) while the slot is at most `toMs`. */
function* iterate(schedule: CronSchedule, tz: string, fromMs: number, toMs: number): Generator<number> {
  const cron = new CronExpression(fieldsOf(schedule), { tz, currentDate: new Date(fromMs) });
  // A guard against a runaway loop only: callers bound their spans well below it.
  for (let count = 0; count < MAX_SLOTS_PER_WINDOW * 5; count++) {
    let next: number;
    try {
      next = cron.next().getTime();
    } catch {
      return; // no further date (for example 30 February): cron-parser throws at its loop limit
    }
    if (next > toMs) return;
    if (next > fromMs) yield next;
  }
}

/**
 * Every slot in `(fromMs, toMs]` within the schedule's bounds, ascending, or the first `limit`
 * of them; the span must be small enough to enumerate.
 */
function slotsIn(schedule: CronSchedule, fromMs: number, toMs: number, limit = Number.POSITIVE_INFINITY): number[] {
  if (schedule.onceAtMs !== undefined) return fromMs < schedule.onceAtMs && schedule.onceAtMs <= toMs ? [schedule.onceAtMs] : [];
  return cronSlotsIn(schedule, Math.max(fromMs, (schedule.startMs ?? fromMs) - 1), Math.min(toMs, schedule.endMs ?? toMs), limit);
}

/** The cron's slots in `(fromMs, toMs]`, bounds aside. */
function cronSlotsIn(schedule: CronSchedule, fromMs: number, toMs: number, limit: number): number[] {
  if (toMs <= fromMs) return [];
  if (schedule.everyHour || schedule.timezone === 'UTC') {
    // cron-parser gives them in order: the first `limit` are found without walking the rest.
    const slots: number[] = [];
    for (const slotMs of iterate(schedule, schedule.timezone, fromMs, toMs)) {
      if (slots.length >= limit) break;
      slots.push(slotMs);
    }
    return slots;
  }
  // Walk the wall clock (as UTC) over a range wide enough for any offset, then map back.
  const wallFrom = fromMs + offsetMs(schedule.timezone, fromMs) - DST_MARGIN_MS;
  const wallTo = toMs + offsetMs(schedule.timezone, toMs) + DST_MARGIN_MS;
  const instants = new Set<number>();
  for (const wall of iterate(schedule, 'UTC', wallFrom, wallTo)) {
    const instant = wallClockToInstantMs(wall, schedule.timezone);
    if (instant > fromMs && instant <= toMs) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b).slice(0, limit);
}

/**
 * Every slot of `schedule` in the window `(fromMs, toMs]`, ascending; when the window holds
 * more than MAX_SLOTS_PER_WINDOW, the latest that many (found by widening back from `toMs`).
 */
export function slotsBetween(schedule: CronSchedule, windowFromMs: number, windowToMs: number): number[] {
  // A bounded schedule's window is cut to its bounds first, so the widening below starts at its end.
  const fromMs = Math.max(windowFromMs, (schedule.startMs ?? windowFromMs) - 1);
  const toMs = Math.min(windowToMs, schedule.endMs ?? windowToMs);
  if (toMs <= fromMs) return [];
  for (let spanMs = HOUR_MS; ; spanMs *= 2) {
    const startMs = Math.max(fromMs, toMs - spanMs);
    const slots = slotsIn(schedule, startMs, toMs);
    if (slots.length >= MAX_SLOTS_PER_WINDOW || startMs === fromMs) return slots.slice(-MAX_SLOTS_PER_WINDOW);
  }
}

/**
 * The latest slot at or before `atOrBeforeMs`, searched back in growing spans (the longest is
 * 60 s x 8^7, about 4 years); undefined when there is none.
 */
export function previousSlot(schedule: CronSchedule, atOrBeforeMs: number): number | undefined {
  if (schedule.onceAtMs !== undefined) return schedule.onceAtMs <= atOrBeforeMs ? schedule.onceAtMs : undefined;
  // A bounded schedule's search starts at its end and stops at its start.
  if (schedule.endMs !== undefined && schedule.endMs < atOrBeforeMs) return previousSlot(schedule, schedule.endMs);
  // From 7.5 s (a per-second cron lists 8 slots, not 60), widening to the same spans as before:
  // the latest slot is in the first span that holds any, so the answer does not depend on the first span.
  for (let spanMs = 7_500; spanMs <= 16 * 366 * 24 * HOUR_MS; spanMs *= 8) {
    const slots = slotsBetween(schedule, atOrBeforeMs - spanMs, atOrBeforeMs);
    if (slots.length > 0) return slots[slots.length - 1];
    if (schedule.startMs !== undefined && atOrBeforeMs - spanMs < schedule.startMs) return undefined;
  }
  return undefined;
}

/** The next `count` slots strictly after `afterMs`. */
export function nextSlots(schedule: CronSchedule, afterMs: number, count: number): number[] {
  const found: number[] = [];
  // A bounded schedule's search starts at its start and stops at its end (an ended job's idle tick walks nothing).
  let fromMs = Math.max(afterMs, (schedule.startMs ?? afterMs) - 1);
  const endMs = schedule.endMs ?? Number.POSITIVE_INFINITY;
  // Search ahead in growing spans: a minute first (a per-second cron must not walk hours of
  // slots on every idle tick), up to years so rare schedules (29 February) are still found.
  for (let spanMs = 60_000; found.length < count && spanMs <= 16 * 366 * 24 * HOUR_MS && fromMs < endMs; spanMs *= 4) {
    found.push(...slotsIn(schedule, fromMs, fromMs + spanMs, count - found.length));
    fromMs = found.at(-1) ?? fromMs + spanMs;
  }
  return found;
}

/**
 * A run started off the schedule (manual, a continuation) gets a slot that no cron slot can
 * equal: cron slots fall on whole seconds, so one on a whole second moves 1 ms on, and the two
 * places a slot is claimed never meet on one key (I1; the two places: slot-decision.ts).
 */
export function offSchedule(ms: number): number {
  return ms % 1_000 === 0 ? ms + 1 : ms;
}
