/**
 * The keys that say when a job runs: `cron` (an expression, with an optional trailing zone, or
 * words), `timezone`, `at` (a job that runs once) and `startAt` / `endAt` (no slot before or
 * after). Their schema, spread into the job schema, and what they make of a definition; every
 * refusal names the job, the key and the value.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CronExpressionError, ScheduleError } from './errors.js';
import { isNaturalCron, naturalCron } from './natural-cron.js';
import { showValue as show } from './schema-messages.js';
import { type CronSchedule, cronOf, nextSlots, parseCron, splitZone } from './slots.js';
import type { JobDefinition } from './types.js';

// A date, then optionally a time (minutes, seconds, fractions), then optionally an offset.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;
export const ISO_EXPECTED_TEXT =
  'an ISO 8601 date and time such as "2026-12-03T09:00" (read in the job\'s timezone) or "2026-12-03T08:00:00Z" (with its offset)';

/** The keys that hold a time. */
export const TIME_KEYS = ['at', 'startAt', 'endAt'] as const;

/** The keys with a Date among the times as its ISO string: code may pass Dates, the table and the validator hold strings. */
export function withIsoTimes<Keys extends Record<string, unknown>>(keys: Keys): Record<string, unknown> {
  const out: Record<string, unknown> = { ...keys };
  for (const key of TIME_KEYS) {
    const value = out[key];
    if (value instanceof Date) out[key] = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  return out;
}

/** The zone a job's cron and times are read in when it names none. */
export const DEFAULT_TIMEZONE = 'UTC';

/** The schema of the keys, spread into the schedule's job schema (checked further in whenJobRuns). */
export const whenKeys = {
  // Optional here: a one-time job has `at` instead; whenJobRuns asks for one of the two.
  cron: z.string().optional(),
  at: z.string().optional(),
  startAt: z.string().optional(),
  endAt: z.string().optional(),
  timezone: z.string().optional(),
};

type RawKeys = {
  cron?: string | undefined;
  at?: string | undefined;
  startAt?: string | undefined;
  endAt?: string | undefined;
  timezone?: string | undefined;
};

/** Called with a message (after `job "x": `) and the key and value it names; throws the schedule's error. */
export type WhenFailure = (message: string, details: { key: string; value: unknown }) => never;

/** The fields the keys give a definition, and the cron without bounds (what gaps between slots are measured on). */
export interface WhenFields {
  fields: Pick<JobDefinition, 'cron' | 'naturalCron' | 'timezone' | 'hasSeconds' | 'atMs' | 'startAtMs' | 'endAtMs'>;
  cron: CronSchedule;
}

/**
 * An ISO 8601 time as epoch ms, read in `zone` when it has no offset, and moved up to a whole
 * second (slots fall on whole seconds: slots.ts `offSchedule`); undefined when it is not one.
 */
export function parseInstantMs(text: string, zone: string): number | undefined {
  if (!ISO_INSTANT.test(text.trim())) return undefined;
  const parsed = DateTime.fromISO(text.trim().replace(' ', 'T'), { zone });
  if (!parsed.isValid) return undefined;
  return Math.ceil(parsed.toMillis() / 1_000) * 1_000;
}

/** The cron of one second (`at`) in `zone`: what a one-time job's time is described by. */
function cronOfInstant(atMs: number, zone: string): string {
  const wall = DateTime.fromMillis(atMs, { zone });
  return `${wall.second} ${wall.minute} ${wall.hour} ${wall.day} ${wall.month} *`;
}

/** The zone and cron expression of `cron` (words become the expression they mean). */
function cronKey(
  raw: RawKeys,
  cronText: string,
  fail: WhenFailure,
): { expression: string; timezone: string; natural: boolean; zoneInCron: boolean } {
  const natural = isNaturalCron(cronText) ? naturalCron(cronText) : undefined;
  if (natural && 'problem' in natural) fail(`key "cron" has value ${show(cronText)}; ${natural.problem}`, { key: 'cron', value: cronText });
  const { expression, zone } = splitZone(natural?.cron ?? cronText);
  if (zone && raw.timezone && zone !== raw.timezone) {
    fail(`key "cron" names zone "${zone}" but key "timezone" is "${raw.timezone}"; give one`, { key: 'timezone', value: raw.timezone });
  }
  return { expression, timezone: zone ?? raw.timezone ?? DEFAULT_TIMEZONE, natural: natural !== undefined, zoneInCron: zone !== undefined };
}

/** The instant of key `key`, or a refusal naming it. */
function instantKey(key: string, value: string | undefined, zone: string, fail: WhenFailure): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseInstantMs(value, zone);
  if (ms === undefined) fail(`key "${key}" has value ${show(value)}; expected ${ISO_EXPECTED_TEXT}`, { key, value });
  return ms;
}

const YEAR_MS = 365 * 86_400_000;
/** The Gregorian calendar repeats every 400 years: a cron with no slot in that long has none. */
const CALENDAR_CYCLE_MS = 400 * YEAR_MS;
/** One search of the next slot (nextSlots) looks about ten years ahead; this step leaves no gap between searches. */
const SEARCH_STEP_MS = 8 * YEAR_MS;

/**
 * True when the cron has a slot after `fromMs` within its bounds. A slot may be decades away (the
 * fifth Thursday of February: 2024, then 2052), further than one search of the next slot looks.
 */
function firesFrom(schedule: CronSchedule, fromMs: number): boolean {
  const lastMs = Math.min(schedule.endMs ?? Number.POSITIVE_INFINITY, fromMs + CALENDAR_CYCLE_MS);
  for (let afterMs = fromMs; afterMs < lastMs; afterMs += SEARCH_STEP_MS) {
    if (nextSlots(schedule, afterMs, 1).length > 0) return true;
  }
  return false;
}

/**
 * What the keys make of a definition: the cron (or a one-time job's instant) in its zone, and
 * its bounds. `source` and `name` are for the error of a bad expression (ScheduleError with it as cause).
 */
export function whenJobRuns(source: string, name: string, raw: RawKeys, fail: WhenFailure): WhenFields {
  if (raw.cron !== undefined && raw.at !== undefined)
    fail(`give key "cron" (a schedule) or key "at" (one time), not both; "at" has value ${show(raw.at)}`, { key: 'at', value: raw.at });
  if (raw.cron === undefined && raw.at === undefined)
    fail('missing key "cron" (or key "at", for a job that runs once)', { key: 'cron', value: undefined });
  if (raw.at !== undefined) {
    for (const key of ['startAt', 'endAt'] as const) {
      const value = raw[key];
      if (value !== undefined) fail(`key "${key}" has value ${show(value)}; a one-time job ("at") has no ${key}`, { key, value });
    }
  }
  const { expression, timezone, natural, zoneInCron } =
    raw.cron !== undefined
      ? cronKey(raw, raw.cron, fail)
      : { expression: '', timezone: raw.timezone ?? DEFAULT_TIMEZONE, natural: false, zoneInCron: false };
  let cron: CronSchedule;
  try {
    // A one-time job's zone is checked here too: its time is read in it.
    cron = parseCron(raw.cron !== undefined ? expression : '* * * * *', timezone, name);
  } catch (error) {
    if (!(error instanceof CronExpressionError)) throw error;
    const key = error.details.value === timezone && !expression.includes(timezone) ? (zoneInCron ? 'cron' : 'timezone') : 'cron';
    const value = key === 'cron' ? raw.cron : raw.timezone;
    throw new ScheduleError(
      `${source}: job "${name}": key "${key}": ${error.message}`,
      { source, job: name, key, value },
      { cause: error },
    );
  }
  const atMs = instantKey('at', raw.at, timezone, fail);
  const startAtMs = instantKey('startAt', raw.startAt, timezone, fail);
  const endAtMs = instantKey('endAt', raw.endAt, timezone, fail);
  if (startAtMs !== undefined && endAtMs !== undefined && endAtMs <= startAtMs) {
    fail(`key "endAt" has value ${show(raw.endAt)}, which is not after key "startAt" (${show(raw.startAt)})`, {
      key: 'endAt',
      value: raw.endAt,
    });
  }
  const fields: WhenFields['fields'] = {
    cron: atMs !== undefined ? cronOfInstant(atMs, timezone) : expression,
    ...(natural && { naturalCron: raw.cron }),
    timezone,
    hasSeconds: atMs !== undefined ? atMs % 60_000 !== 0 : cron.hasSeconds,
    ...(atMs !== undefined && { atMs }),
    ...(startAtMs !== undefined && { startAtMs }),
    ...(endAtMs !== undefined && { endAtMs }),
  };
  if (atMs === undefined) {
    const bounded = cronOf({ name, ...fields });
    const firstMs = Math.max(Date.UTC(2000, 0, 1), (startAtMs ?? 0) - 1);
    if (!firesFrom(bounded, firstMs)) {
      const within =
        startAtMs !== undefined || endAtMs !== undefined
          ? ` between ${show(raw.startAt ?? 'its start')} and ${show(raw.endAt ?? 'its end')}`
          : '';
      fail(`key "cron" has value ${show(raw.cron)}, which never fires${within}`, { key: 'cron', value: raw.cron });
    }
  }
  return { fields, cron };
}

/** When the job runs, for `validate` and logs: `"0 9 * * *"`, or `once at 2026-12-03T09:00:00+01:00`, and its bounds. */
export function describeWhen(job: Pick<JobDefinition, 'cron' | 'naturalCron' | 'timezone' | 'atMs' | 'startAtMs' | 'endAtMs'>): string {
  const time = (ms: number): string => DateTime.fromMillis(ms, { zone: job.timezone }).toISO({ suppressMilliseconds: true }) ?? String(ms);
  if (job.atMs !== undefined) return `once at ${time(job.atMs)} ${job.timezone}`;
  const words = job.naturalCron === undefined ? '' : ` (from "${job.naturalCron}")`;
  const from = job.startAtMs === undefined ? '' : `, from ${time(job.startAtMs)}`;
  const until = job.endAtMs === undefined ? '' : `, until ${time(job.endAtMs)}`;
  return `"${job.cron}"${words} ${job.timezone}${from}${until}`;
}
