/**
 * The invariant checker: reads a simulation's full history (handler executions in true
 * time, every write the table applied, the final items, the processes' clocks, crashes and
 * pauses) and lists every violation of I1..I4 it finds.
 */
import { checkBounds, outsideBounds } from './sim-bounds.js';
import type { RunEvent, SimHistory } from './simulation.js';

/** One violation, with enough context to debug it from the seed. */
export interface Violation {
  /**
   * D1: a runtime job's run starts under the definition its lease was granted under, and a removed job is granted none.
   * B1: no cron slot of a bounded job starts outside its startAt..endAt, nor of a one-time job but at its `at` (sim-bounds.ts).
   */
  invariant: 'I1' | 'I2' | 'I3' | 'I4' | 'D1' | 'B1';
  job: string;
  message: string;
  /**
   * A violation of a kind the core is known to have today (reported with issue 5, each shown
   * by a failing test): `stale-start` (test/integration/stale-start.test.ts), `abandoned-claim`
   * (test/integration/abandoned-claim.test.ts).
   */
  known?: 'stale-start' | 'abandoned-claim';
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().slice(11, 23));
const describe = (run: RunEvent): string =>
  `run fence ${run.fence} slot ${iso(run.slotMs)}${run.attempt > 1 ? ` attempt ${run.attempt}` : ''} on ${run.instance} started ${iso(run.startMs)}`;
/** The attempts of one run share its slot and fence: the checker sees them as that one run. */
const sameRun = (a: RunEvent, b: RunEvent): boolean => a.slotMs === b.slotMs && a.fence === b.fence;

/** Checks I1..I4 on a history; an empty list means they held. */
export function checkHistory(history: SimHistory): Violation[] {
  const violations: Violation[] = [];
  const offsetOf = new Map(history.instances.map((instance) => [instance.name, instance.offsetMs]));
  const pausesOf = new Map(history.instances.map((instance) => [instance.name, instance.pauses]));
  const frozenAt = (instance: string, atMs: number): boolean =>
    (pausesOf.get(instance) ?? []).some((pause) => pause.fromMs <= atMs && atMs < pause.toMs);
  const skewMs = history.maxClockSkewMs;

  for (const job of history.jobs) {
    const pk = `JOB#${job.name}`;
    const runs = history.runs.filter((run) => run.job === job.name);

    // I1: a (job, slot) starts at most one run (its retries are attempts of that run: one fence).
    const perSlot = new Map<number, RunEvent[]>();
    for (const run of runs) perSlot.set(run.slotMs, [...(perSlot.get(run.slotMs) ?? []), run]);
    for (const [slotMs, list] of perSlot) {
      const attemptsOfFirst = list.filter((run) => sameRun(run, list[0]!)).map((run) => run.attempt);
      if (list.length > attemptsOfFirst.length || new Set(attemptsOfFirst).size < attemptsOfFirst.length)
        violations.push({
          invariant: 'I1',
          job: job.name,
          message: `slot ${iso(slotMs)} started ${list.length} runs: ${list.map(describe).join('; ')}`,
        });
    }

    // The store's history of the lock: every acquisition (the fence rose) and the lease each
    // holder was granted (the latest leaseUntilMs written while it held the lock).
    const lockWrites = history.writes.filter((write) => write.new.pk === pk && write.new.sk === 'STATE');
    const acquisitions: { fence: number; holder: string; atMs: number; lock: Record<string, unknown> }[] = [];
    const grantedUntil = new Map<string, number>();
    let lastFence = 0;
    for (const write of lockWrites) {
      const fence = Number(write.new.fence ?? 0);
      const holder = write.new.holder as string | undefined;
      if (fence !== Number(write.old?.fence ?? 0)) {
        // I2: every acquisition gets a strictly larger fence, for the life of the job.
        if (fence <= lastFence)
          violations.push({
            invariant: 'I2',
            job: job.name,
            message: `acquisition at ${iso(write.atMs)} got fence ${fence} after fence ${lastFence}`,
          });
        lastFence = Math.max(lastFence, fence);
        acquisitions.push({ fence, holder: holder ?? '?', atMs: write.atMs, lock: write.new });
      }
      if (holder !== undefined && write.new.leaseUntilMs !== undefined) grantedUntil.set(holder, Number(write.new.leaseUntilMs));
    }
    const holderOfFence = new Map(acquisitions.map((acquisition) => [acquisition.fence, acquisition.holder]));

    violations.push(...definitionViolations(job.name, runs, acquisitions));

    // I2: fences rise in the order handlers start (a stale holder never starts after its successor).
    const byStart = [...runs].sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < byStart.length; i++) {
      const [earlier, later] = [byStart[i - 1]!, byStart[i]!];
      if (later.fence < earlier.fence || (later.fence === earlier.fence && !(sameRun(earlier, later) && later.attempt > earlier.attempt))) {
        // Known: the later run's lease had already lapsed by its own clock when its handler
        // started (its process was held up between acquire and start).
        const until = grantedUntil.get(holderOfFence.get(later.fence) ?? '');
        const stale = until !== undefined && later.startMs >= until - (offsetOf.get(later.instance) ?? 0) - skewMs;
        violations.push({
          invariant: 'I2',
          job: job.name,
          message: `fences out of start order: ${describe(earlier)} then ${describe(later)}`,
          ...(stale && { known: 'stale-start' as const }),
        });
      }
    }

    // I2: when the store grants the lease to B, every earlier run A has returned, died, or been
    // told (its signal fired with a lost lease); or A's process is frozen and A's granted
    // lease is over by A's own clock less the skew margin (a frozen process cannot be told;
    // its late writes carry a lower fence).
    for (const acquisition of acquisitions) {
      for (const run of runs) {
        if (run.fence >= acquisition.fence || run.startMs > acquisition.atMs) continue;
        const out = (ms: number | undefined): boolean => ms !== undefined && ms <= acquisition.atMs;
        if (out(run.endMs) || out(run.crashMs) || out(run.lossMs)) continue;
        const until = grantedUntil.get(holderOfFence.get(run.fence) ?? '');
        const lapsed = until !== undefined && acquisition.atMs > until - (offsetOf.get(run.instance) ?? 0) - skewMs;
        if (frozenAt(run.instance, acquisition.atMs) && lapsed) continue;
        violations.push({
          invariant: 'I2',
          job: job.name,
          message: `fence ${acquisition.fence} granted at ${iso(acquisition.atMs)} while ${describe(run)} still held it (granted until ${iso(until)} by its clock, frozen: ${frozenAt(run.instance, acquisition.atMs)})`,
        });
      }
    }

    // I2: a retry runs under its run's lease, so no attempt starts after a later fence was granted.
    for (const run of runs) {
      if (run.attempt === 1) continue;
      const successor = acquisitions.find((acquisition) => acquisition.fence > run.fence && acquisition.atMs <= run.startMs);
      if (successor)
        violations.push({
          invariant: 'I2',
          job: job.name,
          message: `${describe(run)} after fence ${successor.fence} was granted at ${iso(successor.atMs)}: a retry outside its lease`,
        });
    }

    // I3: in the quiet phase, the job is never idle longer than one lease + skew + one slot
    // (+ one tick period and some network latency) without a new run starting.
    const slotPeriodMs = job.hasSeconds ? Number(/^\*\/(\d+)/.exec(job.cron)?.[1] ?? 1) * 1_000 : 60_000;
    const boundMs = job.leaseMs + skewMs + slotPeriodMs + history.tickPeriodMs + 500;
    const busy = runs
      .map((run) => [run.startMs, Math.min(run.endMs ?? Infinity, run.crashMs ?? Infinity, run.lossMs ?? Infinity)] as const)
      .filter(([, endMs]) => endMs > history.chaosEndMs)
      .sort((a, b) => a[0] - b[0]);
    // A job that paused itself (pauseAfterFailures) is not stuck while it stays paused: the
    // pause counts as busy until the write that resumed it. A self-pause must follow a slot whose
    // recorded run failed (checked below), so a bug that pauses a healthy job is still caught.
    const pausedSpans = pausedIntervals(lockWrites);
    for (const span of pausedSpans) if (span.toMs > history.chaosEndMs) busy.push([span.fromMs, span.toMs]);
    // Nor is a removed runtime job (it starts no new slot), while it stays removed.
    for (const span of removedIntervals(lockWrites)) if (span.toMs > history.chaosEndMs) busy.push([span.fromMs, span.toMs]);
    // Nor is a bounded job before its start or after its end, or a one-time job but at its time (B1 checks those).
    busy.push(...outsideBounds(job, history.endMs));
    violations.push(...checkBounds(job, runs));
    busy.sort((a, b) => a[0] - b[0]);
    let idleSinceMs = history.chaosEndMs;
    for (const [startMs, endMs] of busy) {
      if (startMs > idleSinceMs && startMs - idleSinceMs > boundMs) {
        violations.push({
          invariant: 'I3',
          job: job.name,
          message: `no run from ${iso(idleSinceMs)} to ${iso(startMs)} (${startMs - idleSinceMs} ms > ${boundMs} ms)`,
        });
      }
      idleSinceMs = Math.max(idleSinceMs, endMs);
    }
    if (idleSinceMs !== Infinity && history.endMs - idleSinceMs > boundMs) {
      violations.push({ invariant: 'I3', job: job.name, message: `no run from ${iso(idleSinceMs)} to the end ${iso(history.endMs)}` });
    }

    // I4: every claimed slot has a fate; a slot that ran says so.
    const lock = history.items.find((item) => item.pk === pk && item.sk === 'STATE');
    const slotItems = history.items.filter((item) => item.pk === pk && String(item.sk).startsWith('SLOT#'));
    for (const span of pausedSpans) {
      const after = slotItems.find((item) => Number(item.slotMs) === span.afterSlotMs);
      if (!after || !FAILING.has(String(after.status))) {
        violations.push({
          invariant: 'I3',
          job: job.name,
          message: `paused itself at ${iso(span.fromMs)} after slot ${iso(span.afterSlotMs)}, whose run is recorded ${String(after?.status ?? 'nowhere')}, not failed`,
        });
      }
    }
    const running = new Set(
      runs.filter((run) => run.endMs === undefined && run.crashMs === undefined).map((run) => holderOfFence.get(run.fence)),
    );
    const settledBeforeMs = history.endMs - job.leaseMs - skewMs - 3 * history.tickPeriodMs;
    for (const item of slotItems) {
      const slotMs = Number(item.slotMs);
      if (item.status === 'claimed' && slotMs < settledBeforeMs && !running.has(String(item.claimedBy))) {
        violations.push({
          invariant: 'I4',
          job: job.name,
          message: `slot ${iso(slotMs)} still "claimed" by ${String(item.claimedBy)} at the end, which is not running it`,
          known: 'abandoned-claim',
        });
      }
    }
    for (const run of runs) {
      const item = slotItems.find((candidate) => Number(candidate.slotMs) === run.slotMs);
      if (!item) {
        // A scheduled run is claimed on the lock; its item comes with its record, or, if that
        // record never lands, with the next acquirer after its lease: one still running, or
        // ended too close to the end for that, has none yet.
        // A run ends with its last attempt.
        const endedMs = Math.max(
          ...runs
            .filter((other) => sameRun(other, run))
            .map((other) => Math.min(other.endMs ?? Infinity, other.crashMs ?? Infinity, other.lossMs ?? Infinity)),
        );
        if (endedMs >= settledBeforeMs) continue;
        violations.push({ invariant: 'I4', job: job.name, message: `${describe(run)} has no slot item` });
      } else if (item.status === 'skipped' && !(Number(lock?.holderSlotMs) === run.slotMs && Number(lock?.fence) === run.fence)) {
        // A skip that lost its race to the lock is no lie while the lock still names the run:
        // every reader shows the lock's run, and its record replaces the skip when it ends.
        violations.push({ invariant: 'I4', job: job.name, message: `${describe(run)} is recorded as skipped` });
      } else if (['succeeded', 'failed', 'timed-out'].includes(String(item.status)) && Number(item.fence) !== run.fence) {
        violations.push({ invariant: 'I4', job: job.name, message: `${describe(run)} is recorded with fence ${String(item.fence)}` });
      }
    }
  }
  return violations;
}

const FAILING = new Set(['failed', 'timed-out']);

/** The spans a runtime job spent removed, from the lock's writes in time order. */
function removedIntervals(lockWrites: SimHistory['writes']): { fromMs: number; toMs: number }[] {
  const spans: { fromMs: number; toMs: number }[] = [];
  let fromMs: number | undefined;
  for (const write of [...lockWrites].sort((a, b) => a.atMs - b.atMs)) {
    const removed = write.new.removedAtMs !== undefined;
    if (removed && fromMs === undefined) fromMs = write.atMs;
    if (!removed && fromMs !== undefined) {
      spans.push({ fromMs, toMs: write.atMs });
      fromMs = undefined;
    }
  }
  if (fromMs !== undefined) spans.push({ fromMs, toMs: Number.POSITIVE_INFINITY });
  return spans;
}

/** The spans a job spent paused by itself (pauseAfterFailures), from the lock's writes in time order. */
function pausedIntervals(lockWrites: SimHistory['writes']): { fromMs: number; toMs: number; afterSlotMs: number }[] {
  const spans: { fromMs: number; toMs: number; afterSlotMs: number }[] = [];
  let open: { fromMs: number; afterSlotMs: number } | undefined;
  for (const write of [...lockWrites].sort((a, b) => a.atMs - b.atMs)) {
    const selfPaused = write.new.paused === true && write.new.pausedReason === 'failures';
    if (selfPaused && !open) open = { fromMs: write.atMs, afterSlotMs: Number(write.new.pausedAfterSlotMs) };
    if (!selfPaused && open) {
      spans.push({ ...open, toMs: write.atMs });
      open = undefined;
    }
  }
  if (open) spans.push({ ...open, toMs: Number.POSITIVE_INFINITY });
  return spans;
}

/**
 * D1, runtime jobs: every fence is granted by a write conditioned on the definition version the
 * granter read, so the lock as that write left it holds the very definition (its `rev`) the run
 * starts under, and never a removal.
 */
function definitionViolations(
  job: string,
  runs: RunEvent[],
  acquisitions: { fence: number; atMs: number; lock: Record<string, unknown> }[],
): Violation[] {
  const violations: Violation[] = [];
  const grantOf = new Map(acquisitions.map((acquisition) => [acquisition.fence, acquisition]));
  for (const acquisition of acquisitions) {
    if (acquisition.lock.removedAtMs !== undefined)
      violations.push({
        invariant: 'D1',
        job,
        message: `fence ${acquisition.fence} granted at ${iso(acquisition.atMs)} after the job was removed`,
      });
  }
  for (const run of runs) {
    const grant = run.rev === undefined ? undefined : grantOf.get(run.fence);
    const storedRev = (grant?.lock.definition as { args?: { rev?: number } } | undefined)?.args?.rev;
    if (grant && storedRev !== run.rev)
      violations.push({
        invariant: 'D1',
        job,
        message: `${describe(run)} ran definition rev ${run.rev}, but its fence was granted at ${iso(grant.atMs)} under rev ${String(storedRev)}`,
      });
  }
  return violations;
}
