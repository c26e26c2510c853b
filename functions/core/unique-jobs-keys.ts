/**
 * sidekiq-unique-jobs' options in a job (its README's "Locks", "Conflict Strategy" and "Worker
 * Configuration"): their schema and what each maps onto here. Its locks keep one run at a time
 * as our lease does, so `lock` and `on_conflict` choose an overlap policy and `lock_ttl` the
 * lease; a lock or strategy that allows what the lease forbids (two runs at once, a run
 * displaced) is refused with the reason.
 */
import { z } from 'zod';
import type { ScheduleNote } from './schedule-notes.js';
import { OverlapPolicy } from './types.js';

/** The schema of sidekiq-unique-jobs' options, spread into the schedule's job schema. */
export const uniqueJobsKeys = {
  lock: z.string().optional(),
  unique: z.union([z.boolean(), z.string()]).optional(),
  on_conflict: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  lock_ttl: z.union([z.string(), z.number()]).optional(),
  lock_timeout: z.number().nullable().optional(),
  lock_limit: z.number().int().optional(),
  lock_info: z.boolean().optional(),
  lock_prefix: z.string().optional(),
  lock_args_method: z.string().optional(),
  unique_across_queues: z.boolean().optional(),
  unique_across_workers: z.boolean().optional(),
};

type UniqueJobsRaw = { [Key in keyof typeof uniqueJobsKeys]?: z.infer<(typeof uniqueJobsKeys)[Key]> };

/** The locks that never run two at once (with their aliases): each is our lease. */
const ONE_AT_A_TIME_LOCKS = [
  'until_executed',
  'until_completed',
  'until_performed',
  'until_processed',
  'until_successfully_completed',
  'while_executing',
  'while_busy',
  'until_and_while_executing',
];

/** The locks we refuse, with the reason. */
const REFUSED_LOCKS: Readonly<Record<string, string>> = {
  until_executing:
    'it frees the lock when a run starts, so two runs may overlap; here runs of a job never overlap unless you write overlap: allow',
  while_enqueued:
    'it frees the lock when a run starts, so two runs may overlap; here runs of a job never overlap unless you write overlap: allow',
  until_expired:
    "it holds the lock for lock_ttl whatever the run does; here the lock is the run's lease and frees when the run ends: to run at most once a period, give the cron that period",
};

/** What a slot that finds the lease held does under each strategy, and the reason for the ones refused. */
const STRATEGIES: Readonly<Record<string, { overlap: OverlapPolicy; effect: string } | { refused: string }>> = {
  reject: { overlap: OverlapPolicy.skip, effect: 'overlap skip: the slot is recorded skipped, with who holds the lease (no dead set)' },
  log: { overlap: OverlapPolicy.skip, effect: 'overlap skip: the slot is recorded skipped and logged' },
  reschedule: {
    overlap: OverlapPolicy.bufferOne,
    effect: 'overlap bufferOne: the slot is kept (one at most) and started the moment the lease frees, not retried every few seconds',
  },
  raise: {
    refused:
      'there is no caller to raise to: a tick claims the slot, and a slot that finds the lease held is recorded skipped (status and history show it); use reject or log',
  },
  replace: {
    refused:
      'a run in progress is never displaced here, and a waiting slot is kept by on_conflict: reschedule (bufferOne); use reschedule or reject',
  },
};

/** Reports a refused key: the schedule parser turns it into its ScheduleError. */
export type Refuse = (key: string, value: unknown, reason: string) => never;

function lockName(raw: UniqueJobsRaw, refuse: Refuse): { key: string; name: string } | undefined {
  if (raw.lock !== undefined && raw.unique !== undefined) refuse('unique', raw.unique, 'give one of lock and unique (its older name)');
  if (raw.unique === false) refuse('unique', false, 'a job here always has its lease; for runs side by side write overlap: allow');
  if (raw.unique === true) return { key: 'unique', name: 'until_executed' };
  const name = raw.lock ?? raw.unique;
  // A Ruby symbol copied from sidekiq_options (`:until_executed`) names the same lock.
  return name === undefined ? undefined : { key: raw.lock === undefined ? 'unique' : 'lock', name: name.replace(/^:/, '') };
}

function strategyOf(raw: UniqueJobsRaw, refuse: Refuse): { overlap: OverlapPolicy; effect: string } | undefined {
  const value = raw.on_conflict;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    refuse('on_conflict', value, 'one strategy per job here: a tick both claims and runs a slot, there is no client and server side');
  }
  const strategy = STRATEGIES[value.replace(/^:/, '')];
  if (!strategy)
    refuse(
      'on_conflict',
      value,
      `expected one of ${Object.keys(STRATEGIES)
        .map((name) => `"${name}"`)
        .join(', ')}`,
    );
  if ('refused' in strategy) refuse('on_conflict', value, strategy.refused);
  return strategy;
}

function checkLimits(raw: UniqueJobsRaw, notes: ScheduleNote[], job: string, refuse: Refuse): void {
  if (raw.lock_timeout !== undefined) {
    if (raw.lock_timeout !== 0) {
      refuse(
        'lock_timeout',
        raw.lock_timeout,
        'a slot never waits for the lease here: it is skipped, or with on_conflict: reschedule kept and started when the lease frees',
      );
    }
    notes.push({ job, key: 'lock_timeout', value: 0, effect: 'as here: a slot that finds the lease held does not wait' });
  }
  if (raw.lock_limit !== undefined) {
    if (raw.lock_limit !== 1)
      refuse('lock_limit', raw.lock_limit, "one run holds a job's lease at a time; for runs side by side write overlap: allow");
    notes.push({ job, key: 'lock_limit', value: 1, effect: "as here: one run holds a job's lease at a time" });
  }
  if (raw.unique_across_workers === true) {
    refuse('unique_across_workers', true, 'each job has its own lease; two jobs cannot share one');
  }
  const noEffect: [keyof UniqueJobsRaw, string][] = [
    ['lock_info', "the lease's holder, fence and expiry are always recorded, and status shows them"],
    ['lock_prefix', "the lock is the job's own item in the table"],
    ['lock_args_method', "the lock is per job, and a cron job's args are fixed, so it is per args already"],
    ['unique_across_queues', 'there are no queues'],
    ['unique_across_workers', 'the lock is per job'],
  ];
  for (const [key, reason] of noEffect) {
    if (raw[key] !== undefined) notes.push({ job, key, value: raw[key], effect: `no effect here: ${reason}` });
  }
}

/**
 * The overlap policy and lease that sidekiq-unique-jobs' options of one job ask for, with a note
 * on each; `refuse` is called for an option with no equivalent.
 */
export function uniqueJobsMeaning(
  job: string,
  raw: UniqueJobsRaw & { overlap?: unknown; lease?: unknown },
  refuse: Refuse,
): { overlap?: OverlapPolicy; leaseKey?: 'lock_ttl'; notes: ScheduleNote[] } {
  const notes: ScheduleNote[] = [];
  const lock = lockName(raw, refuse);
  if (lock && !ONE_AT_A_TIME_LOCKS.includes(lock.name)) {
    const reason = REFUSED_LOCKS[lock.name] ?? `expected one of ${ONE_AT_A_TIME_LOCKS.map((name) => `"${name}"`).join(', ')}`;
    refuse(lock.key, raw[lock.key as 'lock'], reason);
  }
  const strategy = strategyOf(raw, refuse);
  if ((lock || strategy) && raw.overlap !== undefined) {
    const key = lock ? lock.key : 'on_conflict';
    refuse(key, lock ? raw[lock.key as 'lock'] : raw.on_conflict, `give one of ${key} and overlap`);
  }
  if (raw.lock_ttl !== undefined && raw.lease !== undefined) refuse('lock_ttl', raw.lock_ttl, 'give one of lock_ttl and lease');
  checkLimits(raw, notes, job, refuse);
  const overlap = strategy?.overlap ?? (lock ? OverlapPolicy.skip : undefined);
  if (lock) {
    notes.push({
      job,
      key: lock.key,
      value: raw[lock.key as 'lock'],
      effect: `overlap ${overlap}: one run at a time, under a lease that expires if its holder dies (no lock left behind after a SIGKILL)`,
    });
  }
  if (strategy) notes.push({ job, key: 'on_conflict', value: raw.on_conflict, effect: strategy.effect });
  if (raw.lock_ttl !== undefined) {
    notes.push({
      job,
      key: 'lock_ttl',
      value: raw.lock_ttl,
      effect: 'lease: a dead holder frees the job after it; a live run renews it, so a long run keeps its lock',
    });
  }
  return { ...(overlap !== undefined && { overlap }), ...(raw.lock_ttl !== undefined && { leaseKey: 'lock_ttl' as const }), notes };
}
