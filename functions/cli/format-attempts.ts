/**
 * How the CLI shows a run's retries and timeout: the phrase a slot's fate ends with (how many
 * attempts, what stopped the ones left), and one line per attempt for `status JOB`.
 */
import type { SlotItem } from '../core/store.js';

/** Why attempts left were not made, as an operator reads it (RetryStop's values). */
const STOPPED_BY: Readonly<Record<string, string>> = {
  deadline: "the invocation's deadline came before the next attempt",
  stopped: 'the lease was lost or the node stopped',
  'non-retriable': 'the handler threw a NonRetriableError',
  'cut-off': 'the handler ignored its timeout and was cut off from the lease',
};

/** `, after 3 attempts; 2 attempts left, not made: ...`, or nothing for a run of one attempt. */
export function attemptsNote(item: Pick<SlotItem, 'attempts' | 'attemptsLeft' | 'retryStopped'>): string {
  const made = item.attempts?.length ?? 0;
  const after = made > 1 ? `, after ${made} attempts` : '';
  const left =
    item.attemptsLeft !== undefined && item.attemptsLeft > 0
      ? `; ${item.attemptsLeft} attempt${item.attemptsLeft === 1 ? '' : 's'} left, not made: ${STOPPED_BY[item.retryStopped ?? ''] ?? item.retryStopped ?? '?'}`
      : '';
  return `${after}${left}`;
}

/** One line per attempt of the retried runs among `items`, newest run first, for `status JOB`. */
export function attemptLines(
  items: readonly SlotItem[],
  format: { time: (ms: number) => string; duration: (ms: number) => string },
): string[] {
  const lines: string[] = [];
  for (const item of items) {
    for (const attempt of item.attempts ?? []) {
      const error = attempt.error === undefined ? '' : `: ${attempt.error}`;
      lines.push(
        `  ${format.time(item.slotMs)}  attempt ${attempt.attempt}  ${format.time(attempt.startedAtMs)}  ${format.duration(attempt.durationMs)}  ${attempt.status}${error}`,
      );
    }
  }
  return lines;
}
