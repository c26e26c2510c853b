/**
 * The status page: polls `api/jobs` every 2 s, keeps a clock that follows the server's, and
 * renders the timeline and a card per job. Preact diffs each refresh into the page, so scroll
 * position, open details, focus and the chosen time window all survive it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { fetchJobs, type JobAction, postAction } from './api.js';
import type { JobsResponse, JobView } from './api-types.js';
import { ConfirmDialog, type PendingAction } from './confirm-dialog.js';
import { browserZone, formatTime } from './format.js';
import { type CardMessage, JobCard } from './job-card.js';
import { Legend } from './legend.js';
import { Timeline } from './timeline.js';
import { takeToken } from './token.js';

const REFRESH_MS = 2_000;
const CLOCK_MS = 250;
/** The chart moves with now in steps of this (the countdowns tick faster). */
const CHART_STEP_MS = 1_000;
const RUNS_PER_JOB = 300;
const WINDOW_KEY = 'cluster-cron.windowMs';
/** The window choice meaning "fit the fastest job". */
const AUTO = 0;
/** The spans of time the timeline can show, up to now. */
const WINDOWS = [
  { label: '1 min', ms: 60_000 },
  { label: '2 min', ms: 120_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 21_600_000 },
  { label: '24 h', ms: 86_400_000 },
] as const;
/** The longest of them: what a job slower than every span gets. */
const LONGEST_WINDOW_MS = Math.max(...WINDOWS.map((choice) => choice.ms));

function storedWindowMs(): number {
  try {
    const stored = Number(localStorage.getItem(WINDOW_KEY));
    if (WINDOWS.some((choice) => choice.ms === stored)) return stored;
  } catch {
    // No storage: the default.
  }
  return AUTO;
}

/** The window chosen automatically: the shortest span that holds about `slots` slots of the fastest job. */
function autoWindowMs(jobs: readonly JobView[], slots: number): number {
  const periodsMs = jobs.map((job) => (job.nextMs[1] ?? 0) - (job.nextMs[0] ?? 0)).filter((periodMs) => periodMs > 0);
  const fastestMs = periodsMs.length > 0 ? Math.min(...periodsMs) : 60_000;
  return WINDOWS.find((choice) => choice.ms >= fastestMs * slots)?.ms ?? LONGEST_WINDOW_MS;
}

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

  const load = useCallback(async () => {
    try {
      const next = await fetchJobs(RUNS_PER_JOB);
      // Follow the server's clock: countdowns and the "now" line use the table's notion of now.
      setOffsetMs(next.nowMs - Date.now());
      setData(next);
      setLoadError(undefined);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, []);
  loadRef.current = load;

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
  useEffect(() => {
    // The tab says the state too, for a page left open in the background.
    if (table) document.title = `${running} running, ${paused} paused · ${table} · cluster-cron`;
  }, [table, running, paused]);

  return (
    <>
      <header class="top">
        <div class="brand">
          <h1>cluster-cron</h1>
          <span class="muted">
            {data ? (
              <>
                table <code>{data.table}</code> · {allJobs.length} {allJobs.length === 1 ? 'job' : 'jobs'} · {running} running · {paused}{' '}
                paused
              </>
            ) : (
              'connecting…'
            )}
          </span>
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
              <p class="muted">No jobs in the schedule.</p>
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
