/** One job's card: schedule in words, next fire times, lease with a live countdown, fence, last outcome, counters, actions, last runs. */

import type { JobAction } from './api.js';
import type { JobView, RunView } from './api-types.js';
import { formatDuration, formatRelative, formatTime, formatTimeInZones, outcomeText } from './format.js';
import { barStyles, markerStyles } from './outcome-style.js';
import { FailingNote, PausedNote } from './pause-notes.js';
import { barKindOf, markerKindOf, withInferredStart } from './timeline-data.js';

/** The counters a card shows, in order, with their words. */
const COUNTERS = [
  ['runs', 'runs'],
  ['failures', 'failed'],
  ['skippedByOverlap', 'skipped'],
  ['buffered', 'buffered'],
  ['dropped', 'dropped'],
  ['paused', 'paused'],
  ['missed', 'missed'],
  ['lost', 'lost'],
] as const satisfies readonly (readonly [keyof JobView['counters'], string])[];

/** A message under a card's buttons after an action: what the API answered. */
export interface CardMessage {
  ok: boolean;
  text: string;
}

/** Props of a job card. */
export interface JobCardProps {
  job: JobView;
  nowMs: number;
  canAct: boolean;
  busy: boolean;
  message?: CardMessage;
  onAction: (job: string, action: JobAction) => void;
}

/** The colour and glyph of a slot's fate, for the badge next to its words. */
function fateLook(run: RunView): { color: string; glyph: string } {
  const bar = barKindOf(run);
  if (bar)
    return {
      color: barStyles[bar].color,
      glyph: bar === 'succeeded' ? '✓' : bar === 'failed' ? '✗' : bar === 'timed-out' ? '⏱' : bar === 'lost' ? '?' : '▶',
    };
  const marker = markerKindOf(run);
  return marker ? { color: markerStyles[marker].color, glyph: markerStyles[marker].glyph } : { color: '#57606a', glyph: '•' };
}

/** A slot's fate as a badge: glyph, colour and words (never colour alone); `short` keeps the words to one, with the rest in its tooltip. */
export function Fate({ run, short = false }: { run: RunView; short?: boolean }) {
  const look = fateLook(run);
  const text = outcomeText(run);
  return (
    <span class="fate" style={{ '--c': look.color }} title={short ? text : undefined}>
      <span aria-hidden="true">{look.glyph}</span> {short ? text.replace(/:.*/, '') : text}
    </span>
  );
}

function LeaseLine({ job, nowMs }: { job: JobView; nowMs: number }) {
  const lock = job.lock;
  if (!lock) return <span class="muted">free</span>;
  const leftMs = lock.leaseUntilMs - nowMs;
  const share = Math.max(0, Math.min(1, leftMs / job.leaseMs));
  return (
    <span class="lease">
      <span>
        held by <strong>{lock.holderInstance ?? lock.holder}</strong>
        {lock.holderSlotMs !== undefined ? <> for slot {formatTime(lock.holderSlotMs, nowMs)}</> : null}
      </span>
      <span class="countdown" data-testid="lease-countdown">
        {leftMs > 0 ? `expires in ${formatDuration(leftMs)}` : `expired ${formatDuration(-leftMs)} ago`}
        <span class="meter" aria-hidden="true">
          <span style={{ width: `${share * 100}%` }} />
        </span>
      </span>
      {lock.pendingSlotMs !== undefined ? (
        <span class="muted">buffered slot {formatTime(lock.pendingSlotMs, nowMs)} waits for it</span>
      ) : null}
    </span>
  );
}

/** The cron in words, or a one-time job's time; and the job's bounds. */
function ScheduleLine({ job, nowMs }: { job: JobView; nowMs: number }) {
  if (job.atMs !== undefined) return <span data-testid="job-schedule">once, at {formatTimeInZones(job.atMs, nowMs, job.timezone)}</span>;
  return (
    <span data-testid="job-schedule">
      <code>{job.cron}</code> <span class="words">{job.cronInWords}</span> <span class="muted">({job.timezone})</span>
      {job.startAtMs !== undefined ? <span class="muted"> from {formatTimeInZones(job.startAtMs, nowMs, job.timezone)}</span> : null}
      {job.endAtMs !== undefined ? <span class="muted"> until {formatTimeInZones(job.endAtMs, nowMs, job.timezone)}</span> : null}
    </span>
  );
}

function stateBadge(job: JobView): { text: string; cls: string } {
  if (!job.enabled) return { text: 'Disabled', cls: 'badge-disabled' };
  if (job.done) return { text: 'Done', cls: 'badge-done' };
  if (job.paused) return { text: job.pausedReason === 'failures' ? 'Paused itself' : 'Paused', cls: 'badge-paused' };
  if (job.lock) return { text: 'Running', cls: 'badge-running' };
  return { text: 'Idle', cls: 'badge-idle' };
}

/** When the job's newest run started (0 if none): lets scripts and tests see a new run arrive. */
function lastStartedMs(job: JobView): number {
  return Math.max(0, ...job.runs.map((run) => run.startedAtMs ?? 0));
}

/** A job's card; its buttons open the confirmation dialog through `onAction`. */
export function JobCard({ job, nowMs, canAct, busy, message, onAction }: JobCardProps) {
  const badge = stateBadge(job);
  const next = job.nextMs.filter((ms) => ms > nowMs);
  const counters = job.counters;
  const lastRun =
    job.runs.find((run) => run.finishedAtMs !== undefined || run.status === 'lost') ??
    (job.lastOutcome?.startedAtMs !== undefined ? job.lastOutcome : undefined);
  const id = `job-${job.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <article
      class={`job ${job.paused ? 'is-paused' : ''}`}
      data-job={job.name}
      data-last-started-ms={lastStartedMs(job)}
      aria-labelledby={id}
    >
      <header>
        <h2 id={id}>{job.name}</h2>
        <span class={`badge ${badge.cls}`} data-testid="job-state">
          {badge.text}
        </span>
        <span class="badge badge-policy" title="overlap policy: what a slot does while a run holds the lease">
          overlap: {job.overlap}
        </span>
        {job.continuous ? <span class="badge badge-policy">continuous</span> : null}
        {job.runtimeVersion !== undefined ? (
          <span class="badge badge-policy" data-testid="job-runtime" title="a runtime job: stored in the table, not in the config">
            runtime v{job.runtimeVersion}
          </span>
        ) : null}
        {job.namespace ? (
          <span class="badge badge-policy" data-testid="job-namespace" title="namespace (sidekiq-cron's): a group of jobs">
            namespace: {job.namespace}
          </span>
        ) : null}
      </header>
      {job.description ? <p class="description">{job.description}</p> : null}
      <PausedNote job={job} nowMs={nowMs} />
      <FailingNote job={job} />
      <dl class="facts">
        <dt>Schedule</dt>
        <dd>
          <ScheduleLine job={job} nowMs={nowMs} />
        </dd>
        <dt>Next</dt>
        <dd>
          {next[0] !== undefined ? (
            <>
              {formatTimeInZones(next[0], nowMs, job.timezone)} <span class="muted">{formatRelative(next[0], nowMs)}</span>
              {next.length > 1 ? (
                <details class="next-times">
                  <summary>next {next.length}</summary>
                  <ol>
                    {next.map((ms) => (
                      <li key={ms}>{formatTimeInZones(ms, nowMs, job.timezone)}</li>
                    ))}
                  </ol>
                </details>
              ) : null}
            </>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Lease</dt>
        <dd>
          <LeaseLine job={job} nowMs={nowMs} />
        </dd>
        <dt>Fence</dt>
        <dd>
          <span class="mono">{job.fence}</span>{' '}
          <span class="muted">
            lease {formatDuration(job.leaseMs)}, catch-up {formatDuration(job.catchupWindowMs)}
          </span>
        </dd>
        <dt>Last run</dt>
        <dd data-testid="last-outcome">
          {lastRun ? (
            <>
              <Fate run={lastRun} />{' '}
              <span class="muted">
                slot {formatTime(lastRun.slotMs, nowMs)}
                {lastRun.durationMs !== undefined ? `, took ${formatDuration(lastRun.durationMs)}` : ''}
                {lastRun.fence !== undefined ? `, fence ${lastRun.fence}` : ''}
              </span>
              {lastRun.error ? <div class="error-text">{lastRun.error}</div> : null}
            </>
          ) : (
            <span class="muted">{job.lock ? 'none finished yet (one is running)' : 'none yet'}</span>
          )}
          {job.lastOutcome && job.lastOutcome !== lastRun && job.lastOutcome.slotMs > (lastRun?.slotMs ?? 0) ? (
            <div class="later-slot">
              then slot {formatTime(job.lastOutcome.slotMs, nowMs)}: <Fate run={job.lastOutcome} short />
            </div>
          ) : null}
        </dd>
        <dt>Counts</dt>
        <dd class="counters">
          {COUNTERS.map(([key, label]) => (
            <span key={key} class={counters[key] === 0 ? 'muted' : undefined}>
              {counters[key]} {label}
            </span>
          ))}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" disabled={!canAct || busy} onClick={() => onAction(job.name, 'trigger')}>
          Trigger now
        </button>
        {job.paused ? (
          <button type="button" class="primary" disabled={!canAct || busy} onClick={() => onAction(job.name, 'resume')}>
            Resume
          </button>
        ) : (
          <button type="button" class="warn" disabled={!canAct || busy} onClick={() => onAction(job.name, 'pause')}>
            Pause
          </button>
        )}
        {job.runtimeVersion !== undefined ? (
          <button type="button" class="warn" disabled={!canAct || busy} onClick={() => onAction(job.name, 'remove')}>
            Remove
          </button>
        ) : null}
      </div>
      <p class={`message ${message ? (message.ok ? 'ok' : 'bad') : ''}`} role="status" aria-live="polite" data-testid="action-message">
        {message?.text ?? ''}
      </p>
      <details class="runs">
        <summary>Last {Math.min(job.runs.length, 10)} slots</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Scheduled</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">Outcome</th>
                <th scope="col">Fence</th>
                <th scope="col">Node</th>
              </tr>
            </thead>
            <tbody>
              {job.runs
                .slice(0, 10)
                .map((recorded) => withInferredStart(recorded, job))
                .map((run) => (
                  <tr key={run.slotMs}>
                    <td>{formatTime(run.slotMs, nowMs)}</td>
                    <td>{run.startedAtMs !== undefined ? `+${formatDuration(run.startedAtMs - run.slotMs)}` : '-'}</td>
                    <td>
                      {run.durationMs !== undefined
                        ? formatDuration(run.durationMs)
                        : run.startedAtMs !== undefined && run.finishedAtMs === undefined
                          ? formatDuration(nowMs - run.startedAtMs)
                          : '-'}
                    </td>
                    <td>
                      <Fate run={run} />
                    </td>
                    <td>{run.fence ?? '-'}</td>
                    <td>{run.instance ?? '-'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </article>
  );
}
