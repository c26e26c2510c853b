/**
 * Finding a job among thousands: a filter box (a name or the start of one), which jobs of how
 * many are shown, and the pages before and after. The list is the server's (a page of jobs in
 * name order, GET api/jobs?prefix=&cursor=), so only the jobs in view are read and drawn.
 */

/** Props of the filter and pager. */
export interface JobFilterProps {
  /** What the box holds now (the page follows it a moment after the last keystroke). */
  text: string;
  onText: (text: string) => void;
  /** The filter the jobs shown were read with. */
  prefix: string;
  /** The position of the first job shown, from 1, and how many are shown. */
  first: number;
  shown: number;
  /** How many jobs the filter matches (every job without one). */
  matching: number;
  /** Running and paused among the jobs shown. */
  running: number;
  paused: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

const number = (value: number): string => value.toLocaleString('en-US');

/** Which jobs are shown, in words: "Jobs 26–50 of 1,200 starting with "tenant-"". */
export function shownText(props: Pick<JobFilterProps, 'prefix' | 'first' | 'shown' | 'matching'>): string {
  const { prefix, first, shown, matching } = props;
  const which = prefix === '' ? '' : ` whose name starts with "${prefix}"`;
  if (shown === 0) return prefix === '' ? 'No jobs.' : `No job${which}.`;
  const range =
    shown === matching && first === 1
      ? `All ${number(matching)} jobs`
      : `Jobs ${number(first)}–${number(first + shown - 1)} of ${number(matching)}`;
  return `${range}${which}`;
}

/** The filter box, the count of jobs shown, and the previous and next buttons. */
export function JobFilter(props: JobFilterProps) {
  const { hasPrevious, hasNext } = props;
  return (
    <section class="panel filter-panel" aria-label="Find jobs">
      <div class="filter-row">
        <label for="job-filter">Filter by name</label>
        <input
          id="job-filter"
          type="search"
          value={props.text}
          placeholder="a name, or the start of one (billing-)"
          autocomplete="off"
          spellcheck={false}
          aria-describedby="jobs-shown"
          onInput={(event) => props.onText((event.currentTarget as HTMLInputElement).value)}
        />
        <nav class="pager" aria-label="Pages of jobs">
          <button type="button" class="secondary" disabled={!hasPrevious} onClick={props.onPrevious}>
            ← Previous
          </button>
          <button type="button" class="secondary" disabled={!hasNext} onClick={props.onNext}>
            Next →
          </button>
        </nav>
      </div>
      <p id="jobs-shown" class="muted shown" role="status" aria-live="polite" data-testid="jobs-shown">
        {shownText(props)}
        {props.shown > 0 ? ` · ${props.running} running, ${props.paused} paused among them` : null}
      </p>
    </section>
  );
}
