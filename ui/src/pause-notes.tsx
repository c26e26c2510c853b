/**
 * Why a job is paused, or how close it is to pausing itself: what an operator paged about a
 * failing job looks for first. A job that paused itself (pauseAfterFailures) says after how many
 * failed slots, which slot and which error; one still failing says how many more it may take.
 */
import type { JobView } from './api-types.js';
import { formatTime } from './format.js';

/** The note of a paused job: an operator's note, or the reason it paused itself. */
export function PausedNote({ job, nowMs }: { job: JobView; nowMs: number }) {
  if (!job.paused) return null;
  if (job.pausedReason !== 'failures') {
    return (
      <p class="paused-note" role="note">
        <strong>Paused</strong>
        {job.pausedNote ? <>: {job.pausedNote}</> : ' (no note)'}
      </p>
    );
  }
  const failedSlots = job.pauseAfterFailures ?? job.failureStreak;
  return (
    <p class="paused-note" role="note" data-testid="self-paused">
      <strong>Paused itself</strong> after {failedSlots ?? 'its'} failed slots in a row
      {job.pausedAfterSlotMs !== undefined ? <>; the last was {formatTime(job.pausedAfterSlotMs, nowMs, job.timezone)}</> : null}
      {job.pausedError ? (
        <>
          , with <code class="error-text">{job.pausedError}</code>
        </>
      ) : null}
      . Fix the cause, then resume it.
    </p>
  );
}

/** A job on its way to pausing itself: its failed slots in a row and its limit. */
export function FailingNote({ job }: { job: JobView }) {
  if (job.paused || !job.failureStreak || job.pauseAfterFailures === undefined) return null;
  const left = job.pauseAfterFailures - job.failureStreak;
  return (
    <p class="failing-note" role="note" data-testid="failure-streak">
      <strong>Failing</strong>: {job.failureStreak} failed slot{job.failureStreak === 1 ? '' : 's'} in a row; it pauses itself after {left}{' '}
      more.
    </p>
  );
}
