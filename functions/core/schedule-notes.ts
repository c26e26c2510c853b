/**
 * What `validate` says about a job beyond its settings: a sidekiq-cron or sidekiq-unique-jobs key
 * that has no effect here (and why), one that is not applied yet, or one mapped onto ours. Kept
 * beside the definitions, not in them: the definitions are what the tick runs (and what the
 * construct compiles in), and a note changes nothing there.
 */
import type { JobDefinition } from './types.js';

/** One key of one job, its value, and what it does here. */
export interface ScheduleNote {
  job: string;
  key: string;
  value: unknown;
  /** `no effect here: ...`, `not applied yet: ...`, or what it maps onto. */
  effect: string;
}

const notesByJob = new WeakMap<JobDefinition, readonly ScheduleNote[]>();

/** Files `notes` for `job` (the definition the schedule parser returned). */
export function attachNotes(job: JobDefinition, notes: readonly ScheduleNote[]): JobDefinition {
  if (notes.length > 0) notesByJob.set(job, notes);
  return job;
}

/** The notes the schedule parser filed for `job`; none for a definition it did not build. */
export function notesOf(job: JobDefinition): readonly ScheduleNote[] {
  return notesByJob.get(job) ?? [];
}
