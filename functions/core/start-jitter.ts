/**
 * jitter: each slot starts up to `jitterMs` after its time, by a delay fixed per (job, slot),
 * so every instance (a Lambda tick, any node) computes the same start and jobs that share a
 * minute spread out. The slot keeps its own time (I5): the handler receives it, the slot item is
 * keyed by it; only when the slot is due, and how late it is, is judged from its start.
 */
import type { JobDefinition } from './types.js';

/**
 * The delay of one slot's start, in [0, jitterMs]: FNV-1a of the job's name and the slot's time,
 * so it is the same on every instance and for every tick (Temporal's schedules do likewise).
 */
export function startDelayMs(job: Pick<JobDefinition, 'name' | 'jitterMs'>, slotMs: number): number {
  const jitterMs = job.jitterMs ?? 0;
  if (jitterMs <= 0) return 0;
  let hash = 0x811c9dc5;
  for (const char of `${job.name}\u0000${slotMs}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Whole seconds when the jitter allows it, so a node ticking each second meets the start exactly.
  const stepMs = jitterMs >= 1_000 ? 1_000 : 1;
  return (hash % (Math.floor(jitterMs / stepMs) + 1)) * stepMs;
}

/** When a slot starts: its time plus its delay. */
export function startMs(job: Pick<JobDefinition, 'name' | 'jitterMs'>, slotMs: number): number {
  return slotMs + startDelayMs(job, slotMs);
}

/** How late a slot is by `asOfMs`, counted from its start: a slot is never late because of its own jitter. */
export function lateByMs(job: Pick<JobDefinition, 'name' | 'jitterMs'>, slotMs: number, asOfMs: number): number {
  return asOfMs - startMs(job, slotMs);
}

/**
 * Of the slots in `(windowStartMs - jitterMs, asOfMs]`, those whose start has come by `asOfMs`
 * (the caller reads slots `jitterMs` further back, so a slot whose start is in the window counts).
 */
export function startedSlots(job: Pick<JobDefinition, 'name' | 'jitterMs'>, slotsMs: readonly number[], asOfMs: number): number[] {
  if (!job.jitterMs) return [...slotsMs];
  return slotsMs.filter((slotMs) => startMs(job, slotMs) <= asOfMs);
}
