/**
 * The tick function's input: an EventBridge scheduled event, or a manual payload such as
 * `{"at": "2026-11-26T10:00:00Z"}`, `{"jobs": ["print"]}` or `{"trigger": "print"}`, or one part of a
 * fanned-out tick, `{"part": 1, "parts": 4}` (with the `at` of a tick by hand; fan-out.ts).
 * Validated up front: a bad payload gets a PayloadError naming the field, never a deep crash.
 * Checked by hand, not with a schema library: this runs at every cold start of the deployed
 * tick, which loads no YAML parser or schema library (the jobs were validated at synth).
 */
import { PayloadError } from './errors.js';
import { MAX_TICK_PARTS, type TickPart } from './fan-out.js';
import type { Continuation } from './run.js';
import { type JobDefinition, OverlapPolicy, Trigger } from './types.js';

/** What a validated payload asks for. */
export type TickCommand =
  | { kind: 'tick'; source: 'schedule' | 'manual'; atMs?: number; only?: string[]; eventTime?: string; part?: TickPart }
  | { kind: 'trigger'; job: string; overlap?: OverlapPolicy }
  | { kind: 'continue'; continuation: Continuation };

/** Largest continuation payload: Lambda's asynchronous invocations take at most 256 KB. */
export const MAX_CONTINUATION_BYTES = 240_000;

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch ms of an ISO-8601 time with a zone, or undefined. `Date.parse` alone rolls impossible
 * dates over (`2026-02-30` becomes 2 March, `24:00` the next day): the written fields must exist.
 */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((index) => Number(match[index] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exists =
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second;
  const ms = Date.parse(text);
  return exists && !Number.isNaN(ms) ? ms : undefined;
}

const MANUAL_FIELDS = ['at', 'jobs', 'trigger', 'overlap', 'part', 'parts'] as const;
const CONTINUATION_FIELDS = ['job', 'slot', 'token', 'fence', 'trigger', 'state', 'definitionVersion'] as const;

/** The fields of a manual payload, checked in this order (a wrong value before an unknown field). */
interface ManualPayload {
  at?: string;
  jobs?: string[];
  trigger?: string;
  overlap?: string;
  part?: number;
  parts?: number;
}

/** Why a continuation field's value is wrong, or undefined when it is right. */
function continuationProblem(key: (typeof CONTINUATION_FIELDS)[number], value: unknown): string | undefined {
  switch (key) {
    case 'job':
    case 'slot':
      return typeof value === 'string' ? undefined : 'expected a string';
    case 'token':
      return typeof value === 'string' && value.length >= 1 && value.length <= 200 ? undefined : 'expected a string of 1 to 200 characters';
    case 'definitionVersion':
      return value === undefined || (Number.isInteger(value) && (value as number) >= 1) ? undefined : 'expected a whole number from 1';
    case 'fence':
      return Number.isInteger(value) && (value as number) >= 1 ? undefined : 'expected a whole number from 1';
    case 'trigger':
      return value === Trigger.buffer || value === Trigger.continuation
        ? undefined
        : `expected one of "${Trigger.buffer}", "${Trigger.continuation}"`;
    case 'state':
      return undefined;
  }
}

/** Both marks of an EventBridge scheduled event: one alone is a manual payload with a stray field. */
function isScheduledEvent(event: Record<string, unknown>): boolean {
  return event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event';
}

/** Job names a payload may name beside the file's: the runtime jobs it names that exist (`runtimeNamesIn`). */
export interface PayloadOptions {
  runtimeJobs?: readonly string[];
}

function checkJob(field: string, name: string, jobs: readonly JobDefinition[], options: PayloadOptions): string {
  if (!options.runtimeJobs?.includes(name) && !jobs.some((job) => job.name === name)) {
    throw new PayloadError(
      `payload field "${field}": unknown job ${JSON.stringify(name)} (the schedule defines: ${jobs.map((j) => j.name).join(', ')})`,
      field,
    );
  }
  return name;
}

/** The job names a raw payload gives (trigger, jobs, continuation.job), for a caller to look up those the file lacks. */
export function namesIn(event: unknown): string[] {
  if (event === null || typeof event !== 'object') return [];
  const record = event as Record<string, unknown>;
  const continuation = record.continuation as Record<string, unknown> | undefined;
  const names = [record.trigger, ...(Array.isArray(record.jobs) ? record.jobs : []), continuation?.job];
  return names.filter((name): name is string => typeof name === 'string');
}

/**
 * Validates a tick payload against the schedule.
 * @param nowMs the caller's clock, to refuse an `at` in the future (beyond `maxSkewMs`).
 * @throws PayloadError naming the field and the value.
 */
export function parseTickPayload(
  event: unknown,
  jobs: readonly JobDefinition[],
  nowMs: number,
  maxSkewMs = 1_000,
  options: PayloadOptions = {},
): TickCommand {
  if (event === undefined || event === null || (typeof event === 'string' && event.trim() === ''))
    return { kind: 'tick', source: 'manual' };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new PayloadError(
      `payload must be a JSON object such as {"at": "2026-11-26T10:00:00Z"}, {"jobs": ["print"]} or {"trigger": "print"}; got ${JSON.stringify(event)}`,
    );
  }
  const record = event as Record<string, unknown>;
  if (isScheduledEvent(record)) {
    const time = typeof record.time === 'string' ? record.time : undefined;
    return { kind: 'tick', source: 'schedule', ...(time && { eventTime: time }) };
  }
  if ('continuation' in record) return parseContinuation(record, jobs, options);
  for (const key of MANUAL_FIELDS) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === 'jobs') {
      if (!Array.isArray(value))
        throw new PayloadError(`payload field "jobs" has value ${JSON.stringify(value)}; expected a list of job names`, 'jobs');
      // A bad entry of the list is named as jobs[1] with its own value, as an unknown job is.
      const index = value.findIndex((name) => typeof name !== 'string');
      if (index >= 0)
        throw new PayloadError(
          `payload field "jobs[${index}]" has value ${JSON.stringify(value[index])}; expected a job name (a string)`,
          `jobs[${index}]`,
        );
    } else if (key === 'part' || key === 'parts') {
      if (!Number.isInteger(value) || (value as number) < 0)
        throw new PayloadError(`payload field "${key}" has value ${JSON.stringify(value)}; expected a whole number from 0`, key);
    } else if (typeof value !== 'string') {
      throw new PayloadError(`payload field "${key}" has value ${JSON.stringify(value)}; expected a string`, key);
    }
  }
  const unknown = Object.keys(record).find((key) => !(MANUAL_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new PayloadError(
      `payload: unknown field "${unknown}" with value ${JSON.stringify(record[unknown])} (allowed: at, jobs, trigger, overlap, part, parts, continuation)`,
      unknown,
    );
  }
  const { at, jobs: only, trigger, overlap } = record as ManualPayload;
  if (overlap !== undefined) {
    const policies = Object.values(OverlapPolicy) as string[];
    if (trigger === undefined)
      throw new PayloadError(`payload field "overlap" has value ${JSON.stringify(overlap)} but goes only with "trigger"`, 'overlap');
    if (!policies.includes(overlap))
      throw new PayloadError(
        `payload field "overlap" has value ${JSON.stringify(overlap)}; expected one of ${policies.join(', ')}`,
        'overlap',
      );
  }
  if (trigger !== undefined) {
    const other = (['at', 'jobs', 'part', 'parts'] as const).find((key) => record[key] !== undefined);
    if (other) {
      throw new PayloadError(
        `payload field "trigger" has value ${JSON.stringify(trigger)} and cannot be combined with "${other}" (value ${JSON.stringify(record[other])}); a trigger runs the job now`,
        'trigger',
      );
    }
    return {
      kind: 'trigger',
      job: checkJob('trigger', trigger, jobs, options),
      ...(overlap !== undefined && { overlap: overlap as OverlapPolicy }),
    };
  }
  let atMs: number | undefined;
  if (at !== undefined) {
    atMs = parseIsoTime(at);
    if (atMs === undefined) {
      throw new PayloadError(
        `payload field "at" has value ${JSON.stringify(at)}; expected an ISO-8601 time with a zone, such as "2026-11-26T10:00:00Z"`,
        'at',
      );
    }
    if (atMs > nowMs + maxSkewMs) {
      throw new PayloadError(
        `payload field "at" has value ${JSON.stringify(at)}, which is in the future; a slot runs only once it is due`,
        'at',
      );
    }
  }
  const part = partIn(record as ManualPayload);
  if (only !== undefined) {
    if (part)
      throw new PayloadError(`payload field "jobs" cannot be combined with "part" (a part runs the runtime jobs of its part only)`, 'jobs');
    if (only.length === 0) throw new PayloadError('payload field "jobs" is an empty list; leave it out to tick every job', 'jobs');
    for (const [index, name] of only.entries()) checkJob(`jobs[${index}]`, name, jobs, options);
  }
  return { kind: 'tick', source: 'manual', ...(atMs !== undefined && { atMs }), ...(only && { only }), ...(part && { part }) };
}

/**
 * The part of a fanned-out tick a payload names, or undefined. `part` and `parts` go together; `at`
 * only when the tick that split was given one (a scheduled tick's parts judge by their own clock).
 */
function partIn({ part, parts }: ManualPayload): TickPart | undefined {
  if (part === undefined && parts === undefined) return undefined;
  if (part === undefined || parts === undefined) {
    const [given, missing] = part === undefined ? (['parts', 'part'] as const) : (['part', 'parts'] as const);
    const value = given === 'part' ? part : parts;
    throw new PayloadError(`payload field "${given}" has value ${value} but goes only with "${missing}", which is missing`, missing);
  }
  if (parts < 2 || parts > MAX_TICK_PARTS)
    throw new PayloadError(`payload field "parts" has value ${parts}; expected a whole number from 2 to ${MAX_TICK_PARTS}`, 'parts');
  if (part >= parts)
    throw new PayloadError(
      `payload field "part" has value ${part}; expected a whole number from 0 to ${parts - 1} (below "parts")`,
      'part',
    );
  return { part, parts };
}

/**
 * The payload of one part of a fanned-out tick (sent by the fan-out), with `at` when the tick was
 * as of a time given by hand (FanOutRequest.atMs); `parseTickPayload` reads it back.
 */
export function partPayload(part: TickPart, atMs?: number): { part: number; parts: number; at?: string } {
  return { part: part.part, parts: part.parts, ...(atMs !== undefined && { at: new Date(atMs).toISOString() }) };
}

/**
 * `{"continuation": {job, slot, token, fence, trigger, state}}`: a chain's next run, sent by the
 * invocation that handed the lease over. The lease is re-checked when it starts.
 */
function parseContinuation(record: Record<string, unknown>, jobs: readonly JobDefinition[], options: PayloadOptions): TickCommand {
  const [other] = Object.keys(record).filter((key) => key !== 'continuation');
  if (other !== undefined)
    throw new PayloadError(
      `payload field "continuation" cannot be combined with "${other}" (value ${JSON.stringify(record[other])})`,
      'continuation',
    );
  const size = Buffer.byteLength(JSON.stringify(record.continuation) ?? '');
  if (size > MAX_CONTINUATION_BYTES)
    throw new PayloadError(
      `payload field "continuation" is ${size} bytes; the limit is ${MAX_CONTINUATION_BYTES} (keep a continuous job's state small, or store it yourself and pass a key)`,
      'continuation',
    );
  const given = record.continuation;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new PayloadError(
      `payload field "continuation" has value ${JSON.stringify(given)}: expected an object with ${CONTINUATION_FIELDS.join(', ')}`,
      'continuation',
    );
  }
  const fields = given as Record<string, unknown>;
  for (const key of CONTINUATION_FIELDS) {
    const value = fields[key];
    if (value === undefined && key !== 'state' && key !== 'definitionVersion')
      throw new PayloadError(`payload field "continuation.${key}" is missing`, `continuation.${key}`);
    const problem = continuationProblem(key, value);
    if (problem)
      throw new PayloadError(`payload field "continuation.${key}" has value ${JSON.stringify(value)}: ${problem}`, `continuation.${key}`);
  }
  const extra = Object.keys(fields).find((key) => !(CONTINUATION_FIELDS as readonly string[]).includes(key));
  if (extra !== undefined) {
    throw new PayloadError(
      `payload field "continuation.${extra}" is not allowed (value ${JSON.stringify(fields[extra])}; allowed: ${CONTINUATION_FIELDS.join(', ')})`,
      `continuation.${extra}`,
    );
  }
  const { job, slot, token, fence, trigger, state, definitionVersion } = fields as {
    definitionVersion?: number;
    job: string;
    slot: string;
    token: string;
    fence: number;
    trigger: typeof Trigger.buffer | typeof Trigger.continuation;
    state?: unknown;
  };
  const slotMs = parseIsoTime(slot);
  if (slotMs === undefined)
    throw new PayloadError(
      `payload field "continuation.slot" has value ${JSON.stringify(slot)}; expected an ISO-8601 time with a zone`,
      'continuation.slot',
    );
  checkJob('continuation.job', job, jobs, options);
  const version = definitionVersion !== undefined && { definitionVersion };
  return { kind: 'continue', continuation: { job, slotMs, token, fence, trigger, ...(state !== undefined && { state }), ...version } };
}

/** The payload that carries a continuation to a fresh invocation; `parseTickPayload` reads it back. */
export function continuationPayload(continuation: Continuation): { continuation: Record<string, unknown> } {
  const { slotMs, ...rest } = continuation;
  return { continuation: { ...rest, slot: new Date(slotMs).toISOString() } };
}
