/**
 * The status page: polls one page of `api/jobs` every 2 s (the filter's prefix, PAGE_SIZE jobs,
 * the cursor of the page before), keeps a clock that follows the server's, and renders the
 * counts over every job, the timeline and a card per job in view. Preact diffs each refresh
 * into the page, so scroll position, open details, focus and the chosen time window all survive it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { fetchJobs, type JobAction, postAction } from './api.js';
import type { JobsResponse } from './api-types.js';
import { ConfirmDialog, type PendingAction } from './confirm-dialog.js';
import { CountBadges } from './count-badges.js';
import { browserZone, formatTime } from './format.js';
import { type CardMessage, JobCard } from './job-card.js';
import { JobFilter } from './job-filter.js';
import { Legend } from './legend.js';
import { AUTO, autoWindowMs, storedWindowMs, WINDOW_KEY, WINDOWS } from './time-windows.js';
import { Timeline } from './timeline.js';
import { takeToken } from './token.js';

const REFRESH_MS = 2_000;
const CLOCK_MS = 250;
/** The chart moves with now in steps of this (the countdowns tick faster). */
const CHART_STEP_MS = 1_000;
const RUNS_PER_JOB = 300;
/** Jobs in view at once: each is drawn on the timeline and as a card. */
const PAGE_SIZE = 25;
/** The filter applies this long after the last keystroke, so typing a name asks for one page, not one per letter. */
const FILTER_DELAY_MS = 250;
function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const onChange = (): void => setMatches(list.matches);
    list.addEventListener('change', onChange);
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}

/** The whole page. */
export function App() {
  const [token] = useState(takeToken);
  const [data, setData] = useState<JobsResponse | null>(null);
  /** How many pages before the one shown (its first job's position is depth * PAGE_SIZE + 1). */
  const [shownDepth, setShownDepth] = useState(0);
  const [filterText, setFilterText] = useState('');
  const [prefix, setPrefix] = useState('');
  /** The cursors that led to the page asked for, one per page before it: Previous pops one. */
  const [cursors, setCursors] = useState<string[]>([]);
  const [loadError, setLoadError] = useState<string>();
  const [offsetMs, setOffsetMs] = useState(0);
  const [clockMs, setClockMs] = useState(Date.now());
  const [windowMs, setWindowMs] = useState(storedWindowMs);
  const [pending, setPending] = useState<PendingAction>();
  const [busyJob, setBusyJob] = useState<string>();
  const [messages, setMessages] = useState<Record<string, CardMessage>>({});
  const [namespace, setNamespace] = useState<string>();
  const narrow = useMediaQuery('(max-width: 640px)');
  const loadRef = useRef<() => Promise<void>>(async () => undefined);

  const pageRef = useRef({ prefix, cursors });
  pageRef.current = { prefix, cursors };
  const load = useCallback(async () => {
    const asked = pageRef.current;
    try {
      const next = await fetchJobs(RUNS_PER_JOB, { prefix: asked.prefix, limit: PAGE_SIZE, cursor: asked.cursors.at(-1) });
      // An answer for a filter or page no longer asked for (typed over, paged past) is dropped.
      if (pageRef.current.prefix !== asked.prefix || pageRef.current.cursors !== asked.cursors) return;
      // Follow the server's clock: countdowns and the "now" line use the table's notion of now.
      setOffsetMs(next.nowMs - Date.now());
      setData(next);
      setShownDepth(asked.cursors.length);
      setLoadError(undefined);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, []);
  loadRef.current = load;

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setPrefix((old) => {
        if (old !== filterText) setCursors([]);
        return filterText;
      });
    }, FILTER_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [filterText]);

  // A new filter or page is read at once, not at the next refresh (the first read is the refresh loop's).
  const askedOnce = useRef(false);
  useEffect(() => {
    if (askedOnce.current) void loadRef.current();
    askedOnce.current = true;
  }, [prefix, cursors]);

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const loop = async (): Promise<void> => {
      if (document.visibilityState === 'visible') await loadRef.current();
      if (!stopped) timer = window.setTimeout(loop, REFRESH_MS);
    };
    void loop();
    const clock = window.setInterval(() => setClockMs(Date.now()), CLOCK_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      window.clearInterval(clock);
    };
  }, []);

  const chooseWindow = (ms: number): void => {
    setWindowMs(ms);
    try {
      localStorage.setItem(WINDOW_KEY, String(ms));
    } catch {
      // Kept for this page only.
    }
  };

  const confirm = async (payload: Record<string, unknown>): Promise<void> => {
    if (!pending || !token) return;
    const { job, action } = pending;
    setPending(undefined);
    setBusyJob(job);
    const result = await postAction(job, action, payload, token);
    setMessages((old) => ({ ...old, [job]: { ok: result.ok, text: result.ok ? result.message : `Refused: ${result.message}` } }));
    setBusyJob(undefined);
    await load();
  };

  const nowMs = clockMs + offsetMs;
  const allJobs = data?.jobs ?? [];
  // sidekiq-cron's namespaces: a job that names none is in "default". The filter shows only when there are several.
  const namespaces = [...new Set(allJobs.map((job) => job.namespace ?? 'default'))].sort();
  const jobs = namespace === undefined ? allJobs : allJobs.filter((job) => (job.namespace ?? 'default') === namespace);
  const running = allJobs.filter((job) => job.lock).length;
  const paused = allJobs.filter((job) => job.paused).length;

  const table = data?.table;
  const { overdue = 0, failing = 0 } = data?.counts ?? {};
  useEffect(() => {
    // The tab says the state too, for a page left open in the background.
    if (table) document.title = `${overdue} overdue, ${failing} failing · ${table} · cluster-cron`;
  }, [table, overdue, failing]);

  return (
    <>
      <header class="top">
        <div class="brand">
          <h1>cluster-cron</h1>
          <span class="muted">
            {data ? (
              <>
                table <code>{data.table}</code>
              </>
            ) : (
              'connecting…'
            )}
          </span>
          {data ? <CountBadges counts={data.counts} nowMs={nowMs} /> : null}
        </div>
        <div class={`refresh ${loadError ? 'bad' : 'ok'}`} role="status" aria-live="polite">
          {loadError
            ? `Cannot read the jobs: ${loadError}. Retrying…`
            : data
              ? `live · updated ${formatTime(data.nowMs, nowMs)}`
              : 'loading…'}
        </div>
      </header>
      {!token ? (
        <p class="banner">
          Actions are off: open the address that <code>cluster-cron ui</code> printed (it ends in <code>#token=…</code>) to trigger, pause
          or resume jobs.
        </p>
      ) : null}
      <main>
        <JobFilter
          text={filterText}
          onText={setFilterText}
          prefix={data?.prefix ?? ''}
          first={shownDepth * PAGE_SIZE + 1}
          shown={allJobs.length}
          matching={data?.matching ?? 0}
          running={running}
          paused={paused}
          hasPrevious={cursors.length > 0}
          hasNext={data?.cursor !== undefined && shownDepth === cursors.length}
          onPrevious={() => setCursors((old) => old.slice(0, -1))}
          onNext={() => {
            const next = data?.cursor;
            if (next !== undefined) setCursors((old) => [...old, next]);
          }}
        />
        <section class="panel timeline-panel" aria-labelledby="timeline-title">
          <div class="panel-head">
            <h2 id="timeline-title">Runs</h2>
            <span class="muted zone">times in {browserZone()}</span>
            <fieldset class="windows" aria-label="Time span">
              <button
                type="button"
                class="chip"
                aria-pressed={windowMs === AUTO}
                title="fit the fastest job: about 30 of its slots (15 on a phone)"
                onClick={() => chooseWindow(AUTO)}
              >
                auto
              </button>
              {WINDOWS.map((choice) => (
                <button
                  key={choice.ms}
                  type="button"
                  class="chip"
                  aria-pressed={choice.ms === windowMs}
                  onClick={() => chooseWindow(choice.ms)}
                >
                  {choice.label}
                </button>
              ))}
            </fieldset>
            {namespaces.length > 1 ? (
              <fieldset class="windows" aria-label="Namespace">
                {[undefined, ...namespaces].map((choice) => (
                  <button
                    key={choice ?? '*'}
                    type="button"
                    class="chip"
                    aria-pressed={choice === namespace}
                    onClick={() => setNamespace(choice)}
                  >
                    {choice ?? 'all namespaces'}
                  </button>
                ))}
              </fieldset>
            ) : null}
          </div>
          {data ? (
            jobs.length > 0 ? (
              <Timeline
                jobs={jobs}
                nowMs={Math.floor(nowMs / CHART_STEP_MS) * CHART_STEP_MS}
                windowMs={windowMs === AUTO ? autoWindowMs(jobs, narrow ? 15 : 30) : windowMs}
                narrow={narrow}
              />
            ) : (
              <p class="muted">{data.prefix ? 'No job in view matches the filter.' : 'No jobs in view.'}</p>
            )
          ) : (
            <p class="muted">Loading…</p>
          )}
          <Legend />
        </section>
        <section class="jobs" aria-label="Jobs">
          {jobs.map((job) => (
            <JobCard
              key={job.name}
              job={job}
              nowMs={nowMs}
              canAct={Boolean(token)}
              busy={busyJob === job.name}
              message={messages[job.name]}
              onAction={(name: string, action: JobAction) => setPending({ job: name, action })}
            />
          ))}
        </section>
      </main>
      <footer class="muted">
        The same data for scripts: <a href="api/jobs">api/jobs</a> (JSON). Refreshes every {REFRESH_MS / 1_000} s.
      </footer>
      {pending ? (
        <ConfirmDialog
          key={`${pending.job}/${pending.action}`}
          pending={pending}
          onConfirm={(payload) => void confirm(payload)}
          onCancel={() => setPending(undefined)}
        />
      ) : null}
    </>
  );
}
