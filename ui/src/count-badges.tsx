/**
 * The counts at the top of the page, over every job (not only the page in view): how many jobs,
 * how many overdue (a slot went past its catch-up window with no tick deciding it) and how many
 * failing (their latest run failed). The server counts at most every 30 s: they read whole indexes.
 */
import type { PageCounts } from './api-types.js';
import { formatTime } from './format.js';

const number = (value: number): string => value.toLocaleString('en-US');

/** One count as a badge: a number and its word, marked when it is not zero and bad news. */
function Badge({ value, word, bad, testId, title }: { value: number; word: string; bad?: boolean; testId: string; title: string }) {
  return (
    <li class={`count${bad && value > 0 ? ' bad' : ''}`} data-testid={testId} title={title}>
      <strong>{number(value)}</strong> {word}
    </li>
  );
}

/** The badges: jobs, overdue, failing, with when they were counted in their tooltips. */
export function CountBadges({ counts, nowMs }: { counts: PageCounts; nowMs: number }) {
  const counted = `counted ${formatTime(counts.countedAtMs, nowMs)} (counted again at most every 30 s)`;
  return (
    <ul class="counts" aria-label="Counts over every job">
      <Badge value={counts.total} word={counts.total === 1 ? 'job' : 'jobs'} testId="count-total" title={`every job, ${counted}`} />
      <Badge
        value={counts.overdue}
        word="overdue"
        bad
        testId="count-overdue"
        title={`jobs with a slot past its catch-up window that no tick decided, ${counted}`}
      />
      <Badge value={counts.failing} word="failing" bad testId="count-failing" title={`jobs whose latest run failed, ${counted}`} />
    </ul>
  );
}
