/**
 * Fan-out of one tick's due runtime jobs over several invocations (issue 16). A tick that finds
 * more runtime jobs due than `maxJobsPerTick` splits them into parts by a hash of each job's
 * name: it runs part 0 itself and asks `deps.fanOut` (AWS: asynchronous invokes of the same
 * function) to run parts 1 to parts - 1. Each part Queries the due index itself and keeps the
 * jobs of its part, so no definition travels in a payload. Every slot still starts at most once
 * (the protocol is the same in every part); a part that is lost or runs twice changes nothing
 * but who starts a job, and a job a lost part left is still due for the next tick.
 */

/** Which part of a fanned-out tick an invocation runs. */
export interface TickPart {
  /** 0 to parts - 1. */
  part: number;
  /** How many parts the tick was split into (2 to MAX_TICK_PARTS). */
  parts: number;
}

/** What a tick asks `deps.fanOut` to start: parts 1 to `parts` - 1, each judging slots as of `atMs`. */
export interface FanOutRequest {
  parts: number;
  /** The slot clock of the tick that split (the parts judge the same slots due). */
  atMs: number;
}

/** How many due runtime jobs one invocation starts before the tick fans out. @default 250 */
export const DEFAULT_MAX_JOBS_PER_TICK = 250;

/** The most parts a tick is split into (one invocation each). */
export const MAX_TICK_PARTS = 64;

/** The part a job belongs to: a hash of its name (not the shard's, so every shard spreads over every part). */
export function partOf(name: string, parts: number): number {
  let hash = 5381;
  for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 33) ^ name.charCodeAt(i)) >>> 0;
  return hash % parts;
}

/** How many parts `dueCount` jobs take at `maxJobsPerTick` each, at most MAX_TICK_PARTS. */
export function partsFor(dueCount: number, maxJobsPerTick: number): number {
  return Math.min(MAX_TICK_PARTS, Math.max(1, Math.ceil(dueCount / Math.max(1, maxJobsPerTick))));
}
