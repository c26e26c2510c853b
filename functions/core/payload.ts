/**
 * The tick function's input: an EventBridge scheduled event, or a manual payload such as
 * `{"at": "2026-11-26T10:00:00Z"}`, `{"jobs": ["print"]}` or `{"trigger": "print"}`.
 * Validated up front: a bad payload gets a PayloadError naming the field, never a deep crash.
 */
import { z } from 'zod';
import { PayloadError } from './errors.js';
import type { Continuation } from './run.js';
import { OverlapPolicy, Trigger, type JobDefinition } from './types.js';

/** What a validated payload asks for. */
export type TickCommand =
  | { kind: 'tick'; source: 'schedule' | 'manual'; atMs?: number; only?: string[]; eventTime?: string }
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
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((index) => Number(match[index] ?? 0)) as [number, number, number, number, number, number];
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exists =
    wall.getUTCFullYear() === year && wall.getUTCMonth() === month - 1 && wall.getUTCDate() === day && wall.getUTCHours() === hour && wall.getUTCMinutes() === minute && wall.getUTCSeconds() === second;
  const ms = Date.parse(text);
  return exists && !Number.isNaN(ms) ? ms : undefined;
}

const manualPayload = z
  .object({
    at: z.string().optional(),
    jobs: z.array(z.string()).optional(),
    trigger: z.string().optional(),
    overlap: z.string().optional(),
  })
  .strict();

const continuationSchema = z
  .object({
    job: z.string(),
    slot: z.string(),
    token: z.string().min(1).max(200),
    fence: z.number().int().min(1),
    trigger: z.enum([Trigger.buffer, Trigger.continuation]),
    state: z.unknown().optional(),
  })
  .strict();

/** Both marks of an EventBridge scheduled event: one alone is a manual payload with a stray field. */
function isScheduledEvent(event: Record<string, unknown>): boolean {
  return event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event';
}

function checkJob(field: string, name: string, jobs: readonly JobDefinition[]): string {
  if (!jobs.some((job) => job.name === name)) {
    throw new PayloadError(`payload field "${field}": unknown job ${JSON.stringify(name)} (the schedule defines: ${jobs.map((j) => j.name).join(', ')})`, field);
  }
  return name;
}

/**
 * Validates a tick payload against the schedule.
 * @param nowMs the caller's clock, to refuse an `at` in the future (beyond `maxSkewMs`).
 * @throws PayloadError naming the field and the value.
 */
export function parseTickPayload(event: unknown, jobs: readonly JobDefinition[], nowMs: number, maxSkewMs = 1_000): TickCommand {
  if (event === undefined || event === null || (typeof event === 'string' && event.trim() === '')) return { kind: 'tick', source: 'manual' };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new PayloadError(`payload must be a JSON object such as {"at": "2026-11-26T10:00:00Z"}, {"jobs": ["print"]} or {"trigger": "print"}; got ${JSON.stringify(event)}`);
  }
  const record = event as Record<string, unknown>;
  if (isScheduledEvent(record)) {
    const time = typeof record.time === 'string' ? record.time : undefined;
    return { kind: 'tick', source: 'schedule', ...(time && { eventTime: time }) };
  }
  if ('continuation' in record) return parseContinuation(record, jobs);
  const parsed = manualPayload.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new PayloadError(`payload: unknown field "${key}" with value ${JSON.stringify(record[key])} (allowed: at, jobs, trigger, overlap, continuation)`, key);
    }
    const top = String(issue.path[0]);
    // A bad entry of the list is named as jobs[1] with its own value, as an unknown job is.
    if (top === 'jobs' && issue.path.length > 1) {
      const index = Number(issue.path[1]);
      const field = `jobs[${index}]`;
      throw new PayloadError(`payload field "${field}" has value ${JSON.stringify((record.jobs as unknown[])[index])}; expected a job name (a string)`, field);
    }
    const expected = top === 'jobs' ? 'a list of job names' : 'a string';
    throw new PayloadError(`payload field "${top}" has value ${JSON.stringify(record[top])}; expected ${expected}`, top);
  }
  const { at, jobs: only, trigger, overlap } = parsed.data;
  if (overlap !== undefined) {
    const policies = Object.values(OverlapPolicy) as string[];
    if (trigger === undefined) throw new PayloadError(`payload field "overlap" has value ${JSON.stringify(overlap)} but goes only with "trigger"`, 'overlap');
    if (!policies.includes(overlap)) throw new PayloadError(`payload field "overlap" has value ${JSON.stringify(overlap)}; expected one of ${policies.join(', ')}`, 'overlap');
  }
  if (trigger !== undefined) {
    const other = at !== undefined ? 'at' : only !== undefined ? 'jobs' : undefined;
    if (other) {
      throw new PayloadError(`payload field "trigger" has value ${JSON.stringify(trigger)} and cannot be combined with "${other}" (value ${JSON.stringify(record[other])}); a trigger runs the job now`, 'trigger');
    }
    return { kind: 'trigger', job: checkJob('trigger', trigger, jobs), ...(overlap !== undefined && { overlap: overlap as OverlapPolicy }) };
  }
  let atMs: number | undefined;
  if (at !== undefined) {
    atMs = parseIsoTime(at);
    if (atMs === undefined) {
      throw new PayloadError(`payload field "at" has value ${JSON.stringify(at)}; expected an ISO-8601 time with a zone, such as "2026-11-26T10:00:00Z"`, 'at');
    }
    if (atMs > nowMs + maxSkewMs) {
      throw new PayloadError(`payload field "at" has value ${JSON.stringify(at)}, which is in the future; a slot runs only once it is due`, 'at');
    }
  }
  if (only !== undefined) {
    if (only.length === 0) throw new PayloadError('payload field "jobs" is an empty list; leave it out to tick every job', 'jobs');
    only.forEach((name, index) => checkJob(`jobs[${index}]`, name, jobs));
  }
  return { kind: 'tick', source: 'manual', ...(atMs !== undefined && { atMs }), ...(only && { only }) };
}

/**
 * `{"continuation": {job, slot, token, fence, trigger, state}}`: a chain's next run, sent by the
 * invocation that handed the lease over. The lease is re-checked when it starts.
 */
function parseContinuation(record: Record<string, unknown>, jobs: readonly JobDefinition[]): TickCommand {
  const others = Object.keys(record).filter((key) => key !== 'continuation');
  if (others.length > 0) throw new PayloadError(`payload field "continuation" cannot be combined with "${others[0]}" (value ${JSON.stringify(record[others[0]!])})`, 'continuation');
  const size = Buffer.byteLength(JSON.stringify(record.continuation) ?? '');
  if (size > MAX_CONTINUATION_BYTES) throw new PayloadError(`payload field "continuation" is ${size} bytes; the limit is ${MAX_CONTINUATION_BYTES} (keep a continuous job's state small, or store it yourself and pass a key)`, 'continuation');
  const parsed = continuationSchema.safeParse(record.continuation);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const given = record.continuation as Record<string, unknown> | undefined;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new PayloadError(`payload field "continuation.${key}" is not allowed (value ${JSON.stringify(given?.[key])}; allowed: job, slot, token, fence, trigger, state)`, `continuation.${key}`);
    }
    const key = issue.path.length > 0 ? `continuation.${issue.path.join('.')}` : 'continuation';
    const value = issue.path.length > 0 && given && typeof given === 'object' ? given[String(issue.path[0])] : record.continuation;
    if (value === undefined) throw new PayloadError(`payload field "${key}" is missing`, key);
    throw new PayloadError(`payload field "${key}" has value ${JSON.stringify(value)}: ${issue.message}`, key);
  }
  const { job, slot, token, fence, trigger, state } = parsed.data;
  const slotMs = parseIsoTime(slot);
  if (slotMs === undefined) throw new PayloadError(`payload field "continuation.slot" has value ${JSON.stringify(slot)}; expected an ISO-8601 time with a zone`, 'continuation.slot');
  checkJob('continuation.job', job, jobs);
  return { kind: 'continue', continuation: { job, slotMs, token, fence, trigger, ...(state !== undefined && { state }) } };
}

/** The payload that carries a continuation to a fresh invocation; `parseTickPayload` reads it back. */
export function continuationPayload(continuation: Continuation): { continuation: Record<string, unknown> } {
  const { slotMs, ...rest } = continuation;
  return { continuation: { ...rest, slot: new Date(slotMs).toISOString() } };
}
