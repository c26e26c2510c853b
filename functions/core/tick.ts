/**
 * tick(): for each job, every due slot in its catch-up window -> claim -> lease -> run ->
 * record -> release. Any number of instances may tick at once; outcomes come back as data.
 * One scheduled run traced write by write, and the invariant each write defends: docs/protocol.md.
 */
import { settleAbandonedClaims } from './abandoned-claims.js';
import { Redefined, tickAsStored } from './as-stored.js';
import { takeOverBuffered } from './buffered-takeover.js';
import { resumeContinuation } from './chain.js';
import { advanceDue } from './due-advance.js';
import { hasEnded, settleEndedJob } from './ended-jobs.js';
import { DefinitionChangedError, errorMessage } from './errors.js';
import type { TickPart } from './fan-out.js';
import { definitionMoved } from './job-definitions.js';
import { continuousAllowError } from './overlap-rules.js';
import type { TickCommand } from './payload.js';
import { Permits } from './permits.js';
import { continuationJob, endRedefinedContinuation } from './redefined-continuation.js';
import { skewMs, TICK_DEFAULTS, type TickDeps } from './run.js';
import { duplicate } from './run-outcomes.js';
import { findAnyJob } from './runtime-jobs.js';
import { runSlot } from './slot-decision.js';
import type { SlotMemory } from './slot-memory.js';
import { cronOf, nextSlots, offSchedule, previousSlot, slotsBetween } from './slots.js';
import { lateByMs, startedSlots } from './start-jitter.js';
import { claimedOnLock, getSlot, lastSlotOnLockMs, readJobWindow, slotsAbout } from './store.js';
import { tickRuntimeJobs } from './tick-runtime-jobs.js';
import { toIso } from './time.js';
import { type JobDefinition, type OverlapPolicy, type TickOutcome, Trigger } from './types.js';

export { type Continuation, TICK_DEFAULTS, type TickDeps } from './run.js';

/** What one tick should do. */
export interface TickRequest {
  jobs: readonly JobDefinition[];
  /** Tick as if at this time (epoch ms); slots are computed from it, leases use the real clock. */
  atMs?: number;
  /** Only these jobs (names); default all. */
  only?: readonly string[];
  /** Epoch ms when the invocation ends; runs get their signal `deadlineMarginMs` before. */
  deadlineMs?: number;
  /** Slots this process already knows are claimed (local nodes keep one across ticks). */
  memory?: SlotMemory;
  /**
   * Tick the runtime jobs stored in the table too (job-definitions.ts): one Scan of their index
   * each tick. Those whose class is not among `deps.handlers` are refused (an `error` outcome). @default true
   */
  runtimeJobs?: boolean;
  /** One part of a fanned-out tick (fan-out.ts): only the due runtime jobs of this part, and no file job. */
  part?: TickPart;
  /** Also list the runtime jobs due this much after now (a node: its longest tick period, which it sets from them). @default 0 */
  dueLookAheadMs?: number;
  /** Told every job this tick looks at, the runtime ones included (a node sets its tick period from them). */
  onJobs?: (jobs: readonly JobDefinition[]) => void;
}

/**
 * Runs one tick. Jobs are handled concurrently; the due slots of one job in order, each run
 * awaited before the next slot is considered. Never throws for one job's trouble: a store
 * error becomes an `error` outcome after the other jobs are done.
 */
export async function tick(deps: TickDeps, request: TickRequest): Promise<TickOutcome[]> {
  const startMs = deps.clock();
  const offsetMs = (request.atMs ?? startMs) - startMs;
  const slotClock = (): number => deps.clock() + offsetMs;
  const only = request.only;
  const fileJobs = only ? request.jobs.filter((job) => only.includes(job.name)) : request.jobs;
  // A part of a fanned-out tick runs its share of the runtime jobs only; the file's jobs are the first part's.
  const ownFileJobs = request.part ? [] : fileJobs;
  const permits = new Permits(deps.maxConcurrentJobs ?? TICK_DEFAULTS.maxConcurrentJobs);
  const tickAll = async (jobs: readonly JobDefinition[]): Promise<TickOutcome[]> =>
    (
      await Promise.all(
        jobs.map((job) => tickAsStored(deps, job, request.jobs, (current) => tickJob(deps, current, { slotClock, request, permits }))),
      )
    ).flat();
  // The file's jobs do not wait for the runtime jobs' listing (a slow or throttled index read).
  const fromTable = () => tickRuntimeJobs(deps, request, { asOfMs: slotClock(), tickAll, fileJobs: ownFileJobs });
  const [fromFile, fromRuntime] = await Promise.all([tickAll(ownFileJobs), fromTable()]);
  return [...fromFile, ...fromRuntime];
}

/** One job's part of a tick: its due slots, judged by `slotClock`, each taking one of the tick's `permits` while it talks to the table. */
async function tickJob(
  deps: TickDeps,
  job: JobDefinition,
  tickOf: { slotClock: () => number; request: TickRequest; permits: Permits },
): Promise<TickOutcome[]> {
  const { slotClock, request, permits } = tickOf;
  if (!job.enabled) return [{ outcome: 'disabled', job: job.name }];
  const outcomes: TickOutcome[] = [];
  let release: (() => void) | undefined;
  // A slot buffered behind a dead holder, run from this tick (buffered-takeover.ts): its outcomes follow the due slots'.
  let takenOver: { chain: Promise<TickOutcome[]> } | undefined;
  const withTakenOver = async (decided: TickOutcome[]): Promise<TickOutcome[]> =>
    takenOver ? [...decided, ...(await takenOver.chain)] : decided;
  try {
    const asOfMs = slotClock();
    const cron = cronOf(job);
    const windowStartMs = asOfMs - job.catchupWindowMs;
    // jitter: a slot is due from its start (its time plus its fixed delay), so slots are read that much further back.
    // A runtime job has no slots from before it was created (a change keeps the slots not yet claimed: they run under it),
    // but a one-time job's time is its own: one created just after it (within its window) still runs.
    const createdAtMs = job.atMs === undefined ? job.createdAtMs : undefined;
    const fromMs = Math.max(windowStartMs - (job.jitterMs ?? 0), (createdAtMs ?? Number.NEGATIVE_INFINITY) - 1);
    const dueMs = startedSlots(job, slotsBetween(cron, fromMs, asOfMs), asOfMs);
    const notDue = (): TickOutcome[] => {
      const [nextMs] = nextSlots(cron, asOfMs, 1);
      return [{ outcome: 'not-due', job: job.name, ...(nextMs !== undefined && { nextSlot: toIso(nextMs) }) }];
    };
    const latestMs = dueMs.at(-1);
    if (latestMs === undefined) {
      // A job past its last slot still settles what its last run left (ended-jobs.ts).
      if (hasEnded(job, asOfMs)) await settleEndedJob(deps, job, cron, request.memory);
      return notDue();
    }
    // A node that knows every due slot skips the table, but still reads the job's claims once a
    // lease, so a claim abandoned before its lease was taken is found and settled (I4), and at the
    // lapse of a lease it saw with a slot buffered behind it (buffered-takeover.ts).
    const nowMs = deps.clock();
    const { memory } = request;
    if (memory?.allKnown(job.name, dueMs) && nowMs - memory.lastQueryMs(job.name) < job.leaseMs && !memory.lapseDue(job.name, nowMs))
      return notDue();
    // Only due jobs take a permit, and give it back when their handler starts.
    release = await permits.take();

    // The Query looks back one lease further than the window, and at least to the slot before
    // the window, to find claims abandoned before their lease was taken: a job that fires less
    // often than its window plus a lease still settles its previous slot at its next one.
    // A claim is stale one lease (plus skew) after it was made, and was made at most one catch-up
    // window after its slot: reading slots back two leases and a window means a process that
    // reads once a lease never misses one.
    const beforeWindowMs = previousSlot(cron, windowStartMs);
    const lookBackMs = Math.min(
      nowMs - 2 * job.leaseMs - skewMs(deps) - job.catchupWindowMs,
      beforeWindowMs !== undefined ? beforeWindowMs - 1 : Number.POSITIVE_INFINITY,
    );
    // A tick without a memory of its own (Lambda), and a node's read once a lease, also look past
    // the look-back at the newest older claims, in the same Query: one abandoned just before
    // every tick stalled or stopped for longer than that is found too.
    const deep = !request.memory || nowMs - request.memory.lastQueryMs(job.name) >= job.leaseMs;
    // The lock comes in the same Query (it sorts after the slots): it holds the scheduled slots
    // claimed on it (slot-decision.ts) and is what the first slot decides on.
    // A deep read pages newest first: one page holds what it keeps (the lock, the slots since the
    // look-back, the older claims, one to spare), not the job's history. Runs off the schedule
    // (manual, continuations) add items: the read pages on past them.
    const pageSize = deep ? 2 + OLDER_CLAIMS_READ + slotsAbout(lookBackMs, Math.max(nowMs, asOfMs), [beforeWindowMs, ...dueMs]) : undefined;
    const { claimed, lock } = await readJobWindow(deps, job.name, lookBackMs, deep ? OLDER_CLAIMS_READ : undefined, pageSize);
    request.memory?.queried(job.name, nowMs);
    request.memory?.sawLock(job.name, lock);
    // A runtime job decides under the definition on its lock, read just now, consistently.
    if (definitionMoved(lock, job)) throw new Redefined(outcomes);
    await settleAbandonedClaims(deps, job, claimed, lock);
    const runOptions = { onStart: release, ...(request.memory && { memory: request.memory }), ...deadlineOf(request) };
    const takeOver = await takeOverBuffered(deps, job, lock, runOptions);
    if (takeOver && 'chain' in takeOver) takenOver = takeOver;
    const lastOnLockMs = lastSlotOnLockMs(lock);
    // The current slot already taken by another tick is a duplicate delivery; older taken
    // slots are history, not news (unless this process has not seen them: it reports them once).
    const latestTaken = claimed.has(latestMs) || lastOnLockMs >= latestMs;
    const latestClaimedBy = claimed.get(latestMs)?.claimedBy ?? claimedOnLock(lock, latestMs);
    const latestSeen = request.memory?.allKnown(job.name, [latestMs]) ?? false;
    request.memory?.remember(job.name, [...claimed.keys(), ...dueMs.filter((slotMs) => slotMs <= lastOnLockMs)], windowStartMs);
    // Slots are decided in time order: one older than a slot already claimed by the schedule
    // is not caught up behind it (that would also let a tick racing a newer claim pick up a
    // slot from before the job existed).
    const newestClaimedMs = Math.max(
      lastOnLockMs,
      ...[...claimed].filter(([, c]) => c.trigger !== Trigger.manual).map(([slotMs]) => slotMs),
    );
    let open = dueMs.filter((slotMs) => !claimed.has(slotMs) && slotMs > newestClaimedMs);
    if (latestTaken && !latestSeen) outcomes.push(duplicate(deps, job.name, toIso(latestMs), latestClaimedBy));
    // A job that has never run has nothing to catch up: slots from before it existed are not
    // its missed runs (the lock holds the fence of any past run).
    if (open.some((slotMs) => slotMs !== latestMs) && lock?.fence === undefined) {
      open = open.filter((slotMs) => slotMs === latestMs);
    }
    // The due index moves past the latest slot once it is decided (due-advance.ts).
    const advance = () => advanceDue(deps, job, { cron, lock, latestMs, taken: latestTaken, outcomes });
    if (open.length === 0) {
      await advance();
      return withTakenOver(outcomes.length > 0 || takenOver ? outcomes : notDue());
    }
    // The catch-up limit: the newest open slots run, older ones are reported missed (no write;
    // `status` counts them from the gaps in the history).
    const overLimit = open.slice(0, Math.max(0, open.length - job.catchupLimit));
    const [oldestOverMs, newestOverMs] = [overLimit[0], overLimit.at(-1)];
    if (oldestOverMs !== undefined && newestOverMs !== undefined) {
      // One outcome and one log line for the lot: a per-second job ticked once a minute misses 59.
      const newestMs = newestOverMs;
      const lateMs = slotClock() - newestMs;
      outcomes.push({ outcome: 'missed', job: job.name, slot: toIso(newestMs), lateMs, why: 'limit', count: overLimit.length });
      deps.log.warn('slot.missed', {
        job: job.name,
        slot: toIso(newestMs),
        oldestSlot: toIso(oldestOverMs),
        count: overLimit.length,
        why: `over the catch-up limit of ${job.catchupLimit}`,
        instance: deps.instance,
      });
    }
    open = open.slice(-job.catchupLimit);
    // The first slot decides on the lock just read (or, when another instance won a take-over, the one its refusal read;
    // after our own, afresh); a later one (after a run) reads it afresh.
    let freshLock = takenOver ? undefined : { lock: takeOver && 'lockAfterRefusal' in takeOver ? takeOver.lockAfterRefusal : lock };
    for (const slotMs of open) {
      const lateMs = lateByMs(job, slotMs, slotClock());
      if (lateMs > job.catchupWindowMs) {
        // An earlier run of this tick took so long that the slot's turn came too late. Another
        // instance may have decided it meanwhile: then it is theirs, not missed.
        const existing = await getSlot(deps, job.name, slotMs);
        if (existing) {
          outcomes.push(duplicate(deps, job.name, toIso(slotMs), existing.claimedBy));
          continue;
        }
        outcomes.push({ outcome: 'missed', job: job.name, slot: toIso(slotMs), lateMs, why: 'late' });
        deps.log.warn('slot.missed', {
          job: job.name,
          slot: toIso(slotMs),
          lateMs,
          why: 'outside the catch-up window',
          instance: deps.instance,
        });
        continue;
      }
      const trigger = slotMs === latestMs ? Trigger.schedule : Trigger.catchUp;
      outcomes.push(...(await runSlot(deps, job, slotMs, { trigger, ...runOptions, slotClock, ...freshLock })));
      freshLock = undefined;
      request.memory?.remember(job.name, [slotMs], windowStartMs);
    }
    await advance();
  } catch (error) {
    if (error instanceof Redefined) throw error;
    if (error instanceof DefinitionChangedError) throw new Redefined(outcomes);
    deps.log.error('tick.error', { job: job.name, instance: deps.instance, error: errorMessage(error) });
    outcomes.push({ outcome: 'error', job: job.name, error: errorMessage(error) });
  } finally {
    release?.();
  }
  return withTakenOver(outcomes);
}

function deadlineOf(request: TickRequest): { deadlineMs?: number } {
  return request.deadlineMs !== undefined ? { deadlineMs: request.deadlineMs } : {};
}

/** How many claims before the look-back a deep read also checks (a few more items in one Query). */
const OLDER_CLAIMS_READ = 5;

/**
 * Runs a job now, outside its schedule (`trigger`), still under the lease: if a run holds it,
 * the outcome is `locked` (or `buffered`, by the job's policy or the `overlap` override, as
 * Temporal's trigger-immediately). Runs even while the job is paused: an operator asked for it.
 * `onStart` is called just before the handler starts (the status page answers then).
 */
export async function triggerJob(
  deps: TickDeps,
  job: JobDefinition,
  options: { deadlineMs?: number; overlap?: OverlapPolicy; onStart?: () => void } = {},
): Promise<TickOutcome[]> {
  const continuousAllow = continuousAllowError(job.name, job.continuous, options.overlap);
  if (continuousAllow) return [{ outcome: 'error', job: job.name, error: continuousAllow }];
  try {
    return await runSlot(deps, job, offSchedule(deps.clock()), { trigger: Trigger.manual, ignorePause: true, ...options });
  } catch (error) {
    deps.log.error('tick.error', { job: job.name, instance: deps.instance, error: errorMessage(error) });
    return [{ outcome: 'error', job: job.name, error: errorMessage(error) }];
  }
}

/**
 * Carries out a validated tick payload: a tick (now, as of a time, or for some jobs) or a
 * manual trigger. The one core call of the Lambda handler.
 */
export async function runTickCommand(
  deps: TickDeps,
  jobs: readonly JobDefinition[],
  command: TickCommand,
  options: { deadlineMs?: number } = {},
): Promise<TickOutcome[]> {
  if (command.kind === 'trigger') {
    const job = await findAnyJob(deps, jobs, command.job);
    return triggerJob(deps, job, { ...options, ...(command.overlap && { overlap: command.overlap }) });
  }
  if (command.kind === 'continue') {
    const { continuation } = command;
    try {
      const job = await continuationJob(deps, jobs, continuation);
      if (!job) return await endRedefinedContinuation(deps, continuation);
      return await resumeContinuation(deps, job, continuation, options);
    } catch (error) {
      deps.log.error('tick.error', { job: continuation.job, instance: deps.instance, error: errorMessage(error) });
      return [{ outcome: 'error', job: continuation.job, slot: toIso(continuation.slotMs), error: errorMessage(error) }];
    }
  }
  return tick(deps, {
    jobs,
    ...(command.atMs !== undefined && { atMs: command.atMs }),
    ...(command.only && { only: command.only }),
    ...(command.part && { part: command.part }),
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
  });
}
