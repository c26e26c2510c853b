/**
 * The schedule file: sidekiq-cron's hash (job name -> cron, class, args, ...) plus our keys,
 * validated into JobDefinitions. Every error names the file, the job, the key and the value.
 */
import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { ScheduleError } from './errors.js';
import {
  describeFailurePolicies,
  failurePolicyFields,
  failurePolicyKeys,
  failurePolicyRanges,
  JITTER_EXPECTED_TEXT,
} from './failure-policy-keys.js';
import { continuousAllowError } from './overlap-rules.js';
import { describeRetryTimeout, retryTimeoutKeys, retryTimeoutMeaning } from './retry-timeout-keys.js';
import { attachNotes } from './schedule-notes.js';
import { describeSchemaError, invalidValueMessage, showValue as show } from './schema-messages.js';
import { sidekiqCronKeys, sidekiqCronMeaning } from './sidekiq-cron-keys.js';
import { AT_MOST_A_TIMER_TEXT, formatDurationMs, MAX_TIMER_MS, POSITIVE_DURATION_TEXT, parseDurationMs } from './time.js';
import { type JobDefinition, OverlapPolicy } from './types.js';
import { uniqueJobsKeys, uniqueJobsMeaning } from './unique-jobs-keys.js';
import { DEFAULT_TIMEZONE, describeWhen, ISO_EXPECTED_TEXT, TIME_KEYS, whenJobRuns, whenKeys } from './when-keys.js';

/** Defaults for the keys a job may leave out. */
export const JOB_DEFAULTS = {
  timezone: DEFAULT_TIMEZONE,
  lease: '60s',
  catchupWindow: '90s',
  overlap: OverlapPolicy.skip,
  catchupLimit: 1,
} as const;

/** Largest schedule file read, so a runaway file fails fast instead of exhausting memory. */
export const MAX_SCHEDULE_BYTES = 1_000_000;
// sidekiq-cron's names are free text ("Hard worker - every 5min"), so spaces and common
// punctuation are allowed. Left out: "/" and "?" (they would end a path segment unencoded),
// "#" (the key's own separator), "," (the CLI's lists of jobs), double quotes and control characters.
const JOB_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} _.:()@+&'-]{0,98}[\p{L}\p{N}_.:()@+&'-])?$/u;
const JOB_NAME_RULE =
  'use letters, digits, spaces and "_", "-", ".", ":", "(", ")", "@", "+", "&", "\'" (at most 100, starting with a letter or digit, not ending with a space)';

const duration = z.union([z.string(), z.number()]);
// args and queue keep their place in the list of allowed keys, beside ours.
const { args: _args, queue: _queue, ...sidekiqCronOnly } = sidekiqCronKeys;
// cron keeps its place beside class in the list of allowed keys; the other time keys follow.
const { cron: _cron, ...whenKeysAfterCron } = whenKeys;

/** One job as written in the file: sidekiq-cron's keys (sidekiq-cron-keys.ts) and ours. */
const rawJob = z
  .object({
    name: z.string().optional(),
    cron: whenKeys.cron,
    class: z.string().min(1),
    ...whenKeysAfterCron,
    args: sidekiqCronKeys.args,
    description: z.string().optional(),
    status: z.enum(['enabled', 'disabled']).optional(),
    queue: sidekiqCronKeys.queue,
    lease: duration.optional(),
    catchupWindow: duration.optional(),
    overlap: z.enum(Object.values(OverlapPolicy) as [OverlapPolicy, ...OverlapPolicy[]]).optional(),
    catchupLimit: z.number().int().min(1).max(1_000).optional(),
    continuous: z.boolean().optional(),
    ...retryTimeoutKeys,
    ...failurePolicyKeys,
    ...sidekiqCronOnly,
    ...uniqueJobsKeys,
  })
  .strict();

type RawJob = z.infer<typeof rawJob>;

/** One job's keys as a schedule file writes them (a runtime job takes the same). */
export type ScheduleJobKeys = z.input<typeof rawJob>;

/** Options for validation: the handler names that exist, and where the text came from. */
export interface ScheduleOptions {
  /** Registered handler names; when given, an unknown `class` is an error. */
  handlers?: readonly string[];
  /** File name or label used in messages. */
  source?: string;
}

function fail(source: string, message: string, details: { job?: string; key?: string; value?: unknown }): never {
  throw new ScheduleError(`${source}: ${message}`, { source, ...details });
}

function describeIssue(source: string, job: string, raw: Record<string, unknown>, error: z.ZodError): never {
  const allowed = `allowed: ${Object.keys(rawJob.shape).join(', ')}`;
  // Numeric keys with a range are described by the range, not by zod's wording.
  const { message, ...details } = describeSchemaError(error, raw, {
    noun: 'key',
    allowed,
    ranged: { catchupLimit: 'a whole number from 1 to 1000', ...failurePolicyRanges },
    described: {
      ...Object.fromEntries(TIME_KEYS.map((key) => [key, ISO_EXPECTED_TEXT])),
      // A duration is a string or a number: zod's own words for "neither" are "Invalid input".
      ...Object.fromEntries(['lease', 'catchupWindow', 'timeout', 'lock_ttl'].map((key) => [key, POSITIVE_DURATION_TEXT])),
      jitter: JITTER_EXPECTED_TEXT,
    },
  });
  // One line per problem (several unknown keys), each naming the file and the job.
  const lines = message.split('\n').map((line) => `job "${job}": ${line}`);
  fail(source, lines.join(`\n${source}: `), { job, ...details });
}

/** `maxMs`: the longest it may be (MAX_TIMER_MS for a duration a timer waits for). */
function durationMs(
  source: string,
  job: string,
  key: string,
  value: string | number | undefined,
  fallback: string,
  maxMs = Number.POSITIVE_INFINITY,
): number {
  const ms = parseDurationMs(value ?? fallback);
  if (ms === undefined || !(ms > 0) || ms > maxMs) {
    const expected = ms !== undefined && ms > maxMs ? AT_MOST_A_TIMER_TEXT : POSITIVE_DURATION_TEXT;
    fail(source, `job "${job}": ${invalidValueMessage('key', key, value, expected)}`, { job, key, value });
  }
  return ms;
}

function toJob(source: string, name: string, input: unknown, options: ScheduleOptions): JobDefinition {
  if (!JOB_NAME.test(name)) {
    fail(source, `job name ${show(name)} is invalid: ${JOB_NAME_RULE}`, { job: name, value: name });
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    fail(source, `job "${name}" must be a mapping with at least "cron" and "class", got ${show(input)}`, { job: name, value: input });
  }
  const parsed = rawJob.safeParse(input);
  if (!parsed.success) describeIssue(source, name, input as Record<string, unknown>, parsed.error);
  const raw: RawJob = parsed.data;

  const when = whenJobRuns(source, name, raw, (message, details) => fail(source, `job "${name}": ${message}`, { job: name, ...details }));
  const { cron } = when;
  if (options.handlers && !options.handlers.includes(raw.class)) {
    fail(
      source,
      `job "${name}": key "class" has value ${show(raw.class)}, which is not a registered handler (registered: ${options.handlers.join(', ') || 'none'})`,
      { job: name, key: 'class', value: raw.class },
    );
  }
  const unique = uniqueJobsMeaning(name, raw, (key, value, reason) =>
    fail(source, `job "${name}": key "${key}" has value ${show(value)}; ${reason}`, { job: name, key, value }),
  );
  const leaseKey = unique.leaseKey ?? 'lease';
  // Its heartbeats and watchdog are timers.
  const leaseMs = durationMs(source, name, leaseKey, raw.lock_ttl ?? raw.lease, JOB_DEFAULTS.lease, MAX_TIMER_MS);
  const overlap = raw.overlap ?? unique.overlap ?? JOB_DEFAULTS.overlap;
  const continuousAllow = continuousAllowError(name, raw.continuous, raw.overlap);
  if (continuousAllow) fail(source, continuousAllow, { job: name, key: 'continuous', value: raw.continuous });
  if (leaseMs < 1_000) {
    const value = raw.lock_ttl ?? raw.lease;
    fail(source, `job "${name}": key "${leaseKey}" has value ${show(value)}; a lease must be at least 1s so heartbeats can keep it`, {
      job: name,
      key: leaseKey,
      value,
    });
  }
  const policies = failurePolicyFields(raw, { cron, overlap }, (key, value, reason) =>
    fail(source, `job "${name}": key "${key}" has value ${show(value)}; ${reason}`, { job: name, key, value }),
  );
  const sidekiq = sidekiqCronMeaning(name, raw);
  const failing = retryTimeoutMeaning(raw, (key, value, expected) =>
    fail(source, `job "${name}": ${invalidValueMessage('key', key, value, expected)}`, { job: name, key, value }),
  );
  const definition: JobDefinition = {
    name,
    ...when.fields,
    handler: raw.class,
    args: raw.args ?? {},
    ...sidekiq.fields,
    ...(raw.description !== undefined && { description: raw.description }),
    enabled: raw.status !== 'disabled',
    leaseMs,
    catchupWindowMs: durationMs(source, name, 'catchupWindow', raw.catchupWindow, JOB_DEFAULTS.catchupWindow),
    overlap,
    catchupLimit: raw.catchupLimit ?? JOB_DEFAULTS.catchupLimit,
    continuous: raw.continuous ?? false,
    ...failing.fields,
    ...policies,
  };
  const failingNotes = failing.notes.map((note) => ({ job: name, ...note }));
  return attachNotes(definition, [...sidekiq.notes, ...failingNotes, ...unique.notes]);
}

/**
 * Validates one job as written (the keys of a schedule file's job, or a runtime job's stored
 * definition) into its definition: the one validator of both, with the same messages.
 * @throws ScheduleError naming the job, the key and the value.
 */
export function validateJob(name: string, keys: unknown, options: ScheduleOptions = {}): JobDefinition {
  return toJob(options.source ?? 'schedule', name, keys, options);
}

/**
 * Validates a parsed schedule (a map of job name to job, or sidekiq-cron's list of jobs with
 * `name`) into job definitions.
 * @throws ScheduleError naming the job, the key and the value.
 */
export function parseScheduleObject(input: unknown, options: ScheduleOptions = {}): JobDefinition[] {
  const source = options.source ?? 'schedule';
  if (input === null || input === undefined) fail(source, 'the schedule is empty; define at least one job', {});
  let entries: [string, unknown][];
  if (Array.isArray(input)) {
    entries = input.map((job, index) => {
      const name = job && typeof job === 'object' ? (job as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') fail(source, `job #${index + 1} in the list has no "name"`, { key: 'name', value: name });
      return [name, job];
    });
  } else if (typeof input === 'object') {
    entries = Object.entries(input as Record<string, unknown>);
  } else {
    fail(source, `the schedule must be a mapping of job name to job, got ${show(input)}`, { value: input });
  }
  if (entries.length === 0) fail(source, 'the schedule is empty; define at least one job', {});
  const seen = new Set<string>();
  return entries.map(([name, job]) => {
    if (seen.has(name)) fail(source, `job "${name}" is defined twice`, { job: name });
    seen.add(name);
    return toJob(source, name, job, options);
  });
}

/** The name of the top-level job whose text holds `offset`, to name it in YAML errors. */
function jobContaining(document: Document, offset: number): string | undefined {
  if (!isMap(document.contents)) return undefined;
  for (const pair of document.contents.items) {
    const range = (pair.value as { range?: [number, number, number] } | null)?.range;
    if (range && range[0] <= offset && offset < range[2] && isScalar(pair.key)) return String(pair.key.value);
  }
  return undefined;
}

/**
 * Parses schedule text (YAML or JSON) and validates it.
 * @throws ScheduleError for YAML syntax errors (with line and column), duplicate keys, bad jobs.
 */
export function parseSchedule(text: string, options: ScheduleOptions = {}): JobDefinition[] {
  const source = options.source ?? 'schedule';
  if (Buffer.byteLength(text) > MAX_SCHEDULE_BYTES) {
    fail(source, `the schedule is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_SCHEDULE_BYTES}`, {});
  }
  // A NUL or an invalid UTF-8 sequence (read as U+FFFD) means this is no text file at all.
  if (text.includes('\u0000') || text.includes('\uFFFD')) fail(source, 'is not a UTF-8 text file (is it the right file?)', {});
  // merge: `<<: *base`, as Ruby's Psych reads sidekiq-cron files (YAML 1.2 alone has no merge key).
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  const problem = document.errors[0];
  if (problem) {
    const position = problem.linePos?.[0];
    const where = position ? ` at line ${position.line}, column ${position.col}` : '';
    if (problem.code === 'DUPLICATE_KEY' && position) {
      const key = (text.split(/\r?\n/)[position.line - 1] ?? '')
        .slice(position.col - 1)
        .split(':')[0]
        ?.trim()
        .replace(/^["']|["']$/g, '');
      const job = jobContaining(document, problem.pos[0]);
      const what = job === undefined ? `job "${key}"` : `job "${job}": key "${key}"`;
      throw new ScheduleError(
        `${source}: ${what} is defined twice${where}`,
        job === undefined ? { source, job: key } : { source, job, key },
        { cause: problem },
      );
    }
    const reason = problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new ScheduleError(`${source}: invalid YAML${where}: ${reason}`, { source }, { cause: problem });
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // yaml refuses alias bombs ("billion laughs") here.
    throw new ScheduleError(`${source}: invalid YAML: ${(cause as Error).message}`, { source }, { cause });
  }
  return parseScheduleObject(value, options);
}

/** Reads and validates a schedule file. */
export function loadScheduleFile(path: string, options: Omit<ScheduleOptions, 'source'> = {}): JobDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ScheduleError(`${path}: cannot read the schedule file (${code ?? String(cause)})`, { source: path }, { cause });
  }
  return parseSchedule(text, { ...options, source: path });
}

export { checkLeasesAgainstSkew } from './lease-skew.js';

/** A one-line summary of a job's settings, for `validate` and logs. */
export function describeJob(job: JobDefinition): string {
  return `${job.name}: ${describeWhen(job)} -> ${job.handler} (lease ${formatDurationMs(job.leaseMs)}, catch-up ${formatDurationMs(job.catchupWindowMs)}, overlap ${job.overlap}${job.catchupLimit > 1 ? `, catch-up limit ${job.catchupLimit}` : ''}${job.continuous ? ', continuous' : ''}${describeRetryTimeout(job)}${describeFailurePolicies(job)}${job.namespace === undefined ? '' : `, namespace ${job.namespace}`}${job.enabled ? '' : ', disabled'})`;
}
