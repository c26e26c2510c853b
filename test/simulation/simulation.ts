/**
 * One simulated cluster, from one seed: several `cluster-cron start` nodes (the real
 * `startNode`, `tick`, `runSlot` and `HeldLease`) on one memory table, each with its own
 * skewed clock, on virtual time; crashes, restarts, GC pauses, duplicate tick deliveries
 * and network faults injected throughout a chaos phase, then a quiet phase in which the
 * cluster must recover. Returns the full history for the checker.
 */
import { LeaseLostError } from '../../functions/core/errors.js';
import type { TickDeps } from '../../functions/core/run.js';
import { setPaused } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { EventLog, JobDefinition, JobHandler, RunContext } from '../../functions/core/types.js';
import { startNode } from '../../functions/local/node.js';
import { type AppliedWrite, MemoryDynamo, type StoreCommand } from './memory-dynamo.js';
import { prng } from './prng.js';
import { withRandomBounds } from './sim-bounds.js';
import { type FaultCounts, type FaultRates, simClient } from './sim-client.js';
import { type Behaviour, randomJobs } from './sim-jobs.js';
import { applyRuntimeAction, RUNTIME_JOB, runtimePlan } from './sim-runtime-jobs.js';
import { createTenant, damageEntry, tenantPlan } from './sim-tenant-jobs.js';
import { type Owner, VirtualTime, worldOwner } from './virtual-time.js';

/** One handler execution, in true (virtual) time. */
export interface RunEvent {
  job: string;
  slotMs: number;
  fence: number;
  instance: string;
  startMs: number;
  /** Which attempt of its run (the same slot and fence) this execution is, from 1. */
  attempt: number;
  /** The handler returned or threw. */
  endMs?: number;
  /** Its process died while it ran. */
  crashMs?: number;
  /** Its signal fired because the lease was lost. */
  lossMs?: number;
  behaviour: Behaviour;
  /** Its fenced write to the handler's own store was accepted (false: rejected as stale). */
  fencedWrite?: boolean;
  /** The runtime job's: the `rev` of the definition the run started under (its args). */
  rev?: number;
}

/** A write the table applied, stamped with true time. */
export interface StampedWrite extends AppliedWrite {
  atMs: number;
}

/** One process, from start to crash (a restart is a new instance on the same clock). */
export interface InstanceRecord {
  name: string;
  offsetMs: number;
  startMs: number;
  crashMs?: number;
  /** What killed it: a crash before or after a write of some step, or a kill during a run. */
  crashReason?: string;
  pauses: { fromMs: number; toMs: number }[];
}

/** Everything that happened, for the checker. */
export interface SimHistory {
  seed: number;
  jobs: JobDefinition[];
  maxClockSkewMs: number;
  tickPeriodMs: number;
  startMs: number;
  chaosEndMs: number;
  endMs: number;
  runs: RunEvent[];
  writes: StampedWrite[];
  items: Record<string, unknown>[];
  instances: InstanceRecord[];
  faults: FaultCounts;
  timersFired: number;
  /** The handlers' own store: per job, the fences it accepted and rejected. */
  fencedStore: Record<string, { accepted: number; rejectedStale: number }>;
}

/** Knobs of a simulation; the seed decides everything else. */
export interface SimOptions {
  seed: number;
  /** The negative control: rewrites the commands the table receives. */
  rewrite?: (command: StoreCommand) => StoreCommand;
  /** Clock offsets spread over this many times `maxClockSkewMs` (1: within the bound). */
  skewFactor?: number;
  chaosMs?: number;
  /** Fault rates multiplier (1 = default mix). */
  intensity?: number;
  /** Collects the seed's trace, step by step in true time (SIM_TRACE=1 prints it). */
  trace?: string[];
  /** A runtime job changed, removed and created again during the chaos (sim-runtime-jobs.ts). @default drawn from the seed */
  runtimeJobs?: boolean;
  /** Some file jobs bounded (startAt, endAt) or one-time (at) (sim-bounds.ts). @default drawn from the seed */
  bounds?: boolean;
  /** A few runtime jobs created at the start and never changed (sim-tenant-jobs.ts). @default drawn from the seed */
  tenantJobs?: boolean;
  /** Damage to runtime jobs' due-index entries during the chaos (sim-tenant-jobs.ts). @default drawn from the seed */
  indexDamage?: boolean;
  /** The indexes lag the table by up to 300 ms (memory-dynamo.ts indexLag). @default drawn from the seed */
  indexLag?: boolean;
  /** The due index's repair sweep (due-repair.ts); false: the negative control's weakened cluster. @default true */
  dueRepair?: boolean;
}

const TABLE = 'sim';
const MAX_CLOCK_SKEW_MS = 1_000;
const START_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The nodes' log: nothing, but the due index's repairs, counted (and traced). */
function simLog(counts: FaultCounts, trace?: (line: string) => void): EventLog {
  const warn = (event: string, data?: Record<string, unknown>): void => {
    if (event !== 'due-index.repaired') return;
    counts['due-repaired'] = (counts['due-repaired'] ?? 0) + 1;
    trace?.(`due index repaired: ${JSON.stringify(data)}`);
  };
  return { debug: () => {}, info: () => {}, warn, error: () => {} };
}

/** Runs one seed to the end and returns its history. */
export async function simulate(options: SimOptions): Promise<SimHistory> {
  // Tests that make randomUUID deterministic count from here, so a seed replays its tokens too.
  (globalThis as { simTokenCounter?: number }).simTokenCounter = 0;
  const rand = prng(options.seed);
  const scenario = rand.fork();
  const chance = rand.fork();
  const { jobs: unbounded, behaviours } = randomJobs(scenario);
  // Drawn after the others, so the file's jobs and the fault stream of a seed stay as they were.
  const runtimeRand = rand.fork();
  const boundsRand = rand.fork();
  const tenantRand = rand.fork();
  const lagRand = rand.fork();
  const chaosMsOfSeed = options.chaosMs ?? 20_000;
  const jobs =
    (options.bounds ?? boundsRand.chance(0.5)) ? withRandomBounds(boundsRand, unbounded, START_MS, chaosMsOfSeed + 10_000) : unbounded;
  const plan = (options.runtimeJobs ?? runtimeRand.chance(0.6)) ? runtimePlan(runtimeRand, chaosMsOfSeed) : undefined;
  if (plan) {
    const behaviour = runtimeRand.pick(['cooperative', 'cooperative', 'stubborn', 'flaky'] as const);
    behaviours.set(RUNTIME_JOB, { behaviour, minMs: 50, maxMs: runtimeRand.pick([800, 2_500, 7_000]), failAttempts: 1 });
  }
  const withTenants = options.tenantJobs ?? tenantRand.chance(0.5);
  const damage = withTenants && (options.indexDamage ?? tenantRand.chance(0.6));
  const tenants = withTenants ? tenantPlan(tenantRand, chaosMsOfSeed, { damage, others: plan ? [RUNTIME_JOB] : [] }) : undefined;
  for (const tenant of tenants?.tenants ?? []) {
    behaviours.set(tenant.name, {
      behaviour: tenantRand.pick(['cooperative', 'cooperative', 'flaky'] as const),
      minMs: 50,
      maxMs: 1_500,
      failAttempts: 1,
    });
  }
  const world = worldOwner('world');
  const server = worldOwner('server');
  const time = new VirtualTime(START_MS, world);
  const db = new MemoryDynamo();
  // The indexes' propagation lag: an index read sees each item as it was up to 300 ms before.
  if (options.indexLag ?? lagRand.chance(0.5)) db.indexLag = { nowMs: () => time.nowMs, lagMs: () => lagRand.int(0, 300) };
  db.createTable(TABLE);
  const writes: StampedWrite[] = [];
  db.onApply = (write) => writes.push({ ...write, atMs: time.nowMs });
  const chaosMs = chaosMsOfSeed;
  const maxLeaseMs = Math.max(...jobs.map((job) => job.leaseMs));
  const quietMs = maxLeaseMs * 2 + 6_000;
  const chaosEndMs = START_MS + chaosMs;
  const endMs = chaosEndMs + quietMs;
  const intensity = options.intensity ?? 1;
  const chaosRates: FaultRates = {
    failBefore: 0.04 * intensity,
    lostResponse: 0.03 * intensity,
    crashBefore: 0.002 * intensity,
    crashAfter: 0.002 * intensity,
    slow: 0.03 * intensity,
    slowMs: 2_500,
  };
  const calmRates: FaultRates = { failBefore: 0, lostResponse: 0, crashBefore: 0, crashAfter: 0, slow: 0, slowMs: 0 };
  let chaos = true;
  const counts: FaultCounts = {};
  const runs: RunEvent[] = [];
  const instances: (InstanceRecord & { owner: Owner; base: number })[] = [];
  const fencedStore: SimHistory['fencedStore'] = {};
  const highestFence = new Map<string, number>();

  const crash = (owner: Owner, why: string): void => {
    if (owner.dead) return;
    owner.dead = true;
    const record = instances.find((instance) => instance.owner === owner)!;
    record.crashMs = time.nowMs;
    record.crashReason = why;
    trace?.(`${record.name} dies: ${why}`);
    for (const run of runs)
      if (run.instance === record.name && run.endMs === undefined && run.crashMs === undefined) run.crashMs = time.nowMs;
    if (chaos && record.base >= 0) time.schedule(chance.int(300, 6_000), () => startInstance(record.base, record.offsetMs), world);
  };
  const traceLines = options.trace;
  const trace = traceLines && ((line: string): void => void traceLines.push(`${new Date(time.nowMs).toISOString().slice(14, 23)} ${line}`));
  const clientWorld = {
    time,
    db,
    server,
    rand: chance,
    faults: () => (chaos ? chaosRates : calmRates),
    counts,
    crash,
    ...(options.rewrite && { rewrite: options.rewrite }),
    ...(trace && { trace }),
  };

  const handlerFor =
    (record: InstanceRecord): JobHandler =>
    async (ctx: RunContext) => {
      const profile = behaviours.get(ctx.job)!;
      const run: RunEvent = {
        job: ctx.job,
        slotMs: ctx.slot.getTime(),
        fence: ctx.fence,
        instance: record.name,
        startMs: time.nowMs,
        attempt: ctx.attempt,
        behaviour: profile.behaviour,
        ...(typeof (ctx.args as { rev?: unknown }).rev === 'number' && { rev: (ctx.args as { rev: number }).rev }),
      };
      runs.push(run);
      trace?.(
        `${record.name} handler starts ${ctx.job} slot ${new Date(run.slotMs).toISOString().slice(14, 23)} fence ${ctx.fence} (clock ${new Date(time.nowMs + record.offsetMs).toISOString().slice(14, 23)})`,
      );
      ctx.signal.addEventListener('abort', () =>
        trace?.(`${record.name} signal of ${ctx.job} fence ${ctx.fence} fires: ${String(ctx.signal.reason)}`),
      );
      // Told of the loss: by the loss signal, which fires even after a deadline fired `signal`.
      ctx.leaseLostSignal.addEventListener('abort', () => {
        trace?.(`${record.name} lease of ${ctx.job} fence ${ctx.fence} lost: ${String(ctx.leaseLostSignal.reason)}`);
        if (ctx.leaseLostSignal.reason instanceof LeaseLostError) run.lossMs ??= time.nowMs;
      });
      const durationMs = chance.int(profile.minMs, profile.maxMs);
      const throws =
        profile.behaviour === 'flaky' ? chance.chance(0.5) : profile.behaviour === 'failing' && ctx.attempt <= profile.failAttempts;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = time.timers.setTimeout(() => (throws ? reject(new Error('the job failed (simulated)')) : resolve()), durationMs);
          if (profile.behaviour !== 'stubborn' && profile.behaviour !== 'hanging') {
            ctx.signal.addEventListener('abort', () => {
              time.timers.clearTimeout(timer);
              time.timers.setTimeout(() => reject(ctx.signal.reason), chance.int(0, 30));
            });
          }
        });
        // The handler's own store takes a write only with a fence at least as high as any before.
        const store = fencedStore[ctx.job] ?? { accepted: 0, rejectedStale: 0 };
        fencedStore[ctx.job] = store;
        if (ctx.fence >= (highestFence.get(ctx.job) ?? 0)) {
          highestFence.set(ctx.job, ctx.fence);
          store.accepted++;
          run.fencedWrite = true;
        } else {
          store.rejectedStale++;
          run.fencedWrite = false;
        }
      } finally {
        run.endMs = time.nowMs;
        trace?.(`${record.name} handler of ${ctx.job} fence ${ctx.fence} ends${run.fencedWrite === undefined ? ' (threw)' : ''}`);
      }
    };

  const depsFor = (record: InstanceRecord, owner: Owner): TickDeps => ({
    client: simClient(clientWorld, owner),
    tableName: TABLE,
    clock: () => time.nowMs + record.offsetMs,
    // The process's timers run on virtual time, owned by it (they die and freeze with it).
    timers: time.timers,
    instance: record.name,
    log: simLog(counts, trace),
    // The repair sweep at the pace of the simulation: a page of two definitions every 500 ms.
    dueRepair: { everyMs: 500, pageSize: 2, ...(options.dueRepair === false && { off: true }) },
    handlers: { sim: handlerFor(record) },
    maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    // The retries' jitter from the seed, so a seed replays exactly; a short grace, so cut-offs happen.
    random: () => chance.next(),
    timeoutGraceMs: 500,
  });
  const startInstance = (base: number, offsetMs: number): void => {
    const generation = instances.filter((instance) => instance.base === base).length;
    const owner: Owner = { label: `n${base}.${generation}`, dead: false, frozenUntilMs: 0 };
    const record = { name: owner.label, offsetMs, startMs: time.nowMs, pauses: [], owner, base };
    instances.push(record);
    trace?.(`${record.name} starts (clock offset ${offsetMs} ms)`);
    // A crash is the only way a node ends here: its timers stop firing, nothing is released.
    time.runAs(owner, () => startNode(depsFor(record, owner), jobs));
  };

  // A Lambda invocation of the tick: the run's signal fires `deadlineMarginMs` before the
  // timeout, the environment is killed at the timeout, and frozen for good once it returns.
  const invokeLambda = (offsetMs: number, timeoutMs: number): void => {
    const owner: Owner = { label: `lambda${instances.filter((instance) => instance.base < 0).length}`, dead: false, frozenUntilMs: 0 };
    const record = { name: owner.label, offsetMs, startMs: time.nowMs, pauses: [], owner, base: -1 };
    instances.push(record);
    trace?.(`${record.name} invoked (clock offset ${offsetMs} ms, timeout ${timeoutMs} ms)`);
    counts['lambda-invocation'] = (counts['lambda-invocation'] ?? 0) + 1;
    const deps: TickDeps = { ...depsFor(record, owner), deadlineMarginMs: 1_000 };
    const deadlineMs = deps.clock() + timeoutMs;
    void time.runAs(owner, () =>
      tick(deps, { jobs, deadlineMs })
        .catch(() => undefined)
        .finally(() => (owner.dead = true)),
    );
    time.schedule(
      timeoutMs,
      () => {
        if (owner.dead) return;
        counts['lambda-timeout'] = (counts['lambda-timeout'] ?? 0) + 1;
        crash(owner, 'invocation timed out');
      },
      world,
    );
  };

  // The operator's resume, from a process of its own, without faults (the CLI retries until it lands).
  const operator = worldOwner('operator');
  const operatorClient = simClient({ ...clientWorld, faults: () => calmRates, crash: () => {} }, operator);
  const resume = (job: string): void => {
    counts.resume = (counts.resume ?? 0) + 1;
    trace?.(`operator resumes ${job}`);
    void time.runAs(operator, () => setPaused({ client: operatorClient, tableName: TABLE, clock: () => time.nowMs }, job, false));
  };

  // The operator's changes to the runtime job, from the same fault-free process.
  const operatorStore = { client: operatorClient, tableName: TABLE, clock: () => time.nowMs };
  for (const action of plan?.actions ?? []) {
    time.schedule(
      action.atMs,
      () => {
        counts[`runtime-${action.kind}`] = (counts[`runtime-${action.kind}`] ?? 0) + 1;
        trace?.(`operator ${action.kind}s ${RUNTIME_JOB}${action.kind === 'upsert' ? ` ${JSON.stringify(action.keys)}` : ''}`);
        void time.runAs(operator, () => applyRuntimeAction(operatorStore, action));
      },
      world,
    );
  }

  // The tenants, created by the operator at the start; the damage to the index, from outside the protocol.
  for (const tenant of tenants?.tenants ?? []) {
    time.schedule(tenant.createAtMs, () => void time.runAs(operator, () => createTenant(operatorStore, tenant)), world);
  }
  for (const act of tenants?.damage ?? []) {
    time.schedule(
      act.atMs,
      () => {
        counts[`index-damage-${act.kind}`] = (counts[`index-damage-${act.kind}`] ?? 0) + 1;
        trace?.(`outside writer damages ${act.job}'s due-index entry (${act.kind})`);
        void time.runAs(operator, () => damageEntry(operatorStore, act).catch(() => undefined));
      },
      world,
    );
  }

  const instanceCount = scenario.int(2, 5);
  const spreadMs = MAX_CLOCK_SKEW_MS * (options.skewFactor ?? 1);
  const offsets = Array.from({ length: instanceCount }, () => scenario.int(0, spreadMs) - Math.floor(spreadMs / 2));
  try {
    for (let base = 0; base < instanceCount; base++) time.schedule(scenario.int(0, 900), () => startInstance(base, offsets[base]!), world);

    // The chaos schedule: crashes in the middle of runs, GC pauses longer than a lease,
    // duplicate deliveries of a tick (an operator's manual invoke, an at-least-once retry), and
    // Lambda invocations of the tick: a deadline, then killed at the timeout.
    const live = (): (InstanceRecord & { owner: Owner })[] => instances.filter((instance) => !instance.owner.dead && instance.base >= 0);
    for (let atMs = 1_000; atMs < chaosMs - 1_000; atMs += scenario.int(500, 2_500)) {
      const kind = scenario.pick(['crash', 'pause', 'pause', 'duplicate', 'duplicate', 'lambda', 'resume', 'none'] as const);
      const pauseMs = scenario.chance(0.6) ? scenario.int(maxLeaseMs, maxLeaseMs * 2 + 1_000) : scenario.int(200, 1_500);
      const pick = scenario.next();
      const lambda = { offsetMs: scenario.int(0, spreadMs) - Math.floor(spreadMs / 2), timeoutMs: scenario.int(2_000, 12_000) };
      if (kind === 'lambda') {
        time.schedule(atMs, () => invokeLambda(lambda.offsetMs, lambda.timeoutMs), world);
        continue;
      }
      if (kind === 'resume') {
        // An operator resumes a job (one that paused itself after failures, or one running).
        const job = jobs[Math.floor(pick * jobs.length)]!;
        time.schedule(atMs, () => resume(job.name), world);
        continue;
      }
      time.schedule(
        atMs,
        () => {
          const candidates = live().filter((instance) => instance.owner.frozenUntilMs <= time.nowMs);
          const target = candidates[Math.floor(pick * candidates.length)];
          if (!target) return;
          if (kind === 'crash' && candidates.length > 1) {
            counts['crash-during-run'] =
              (counts['crash-during-run'] ?? 0) +
              (runs.some((run) => run.instance === target.name && run.endMs === undefined && run.crashMs === undefined) ? 1 : 0);
            counts.crash = (counts.crash ?? 0) + 1;
            crash(target.owner, 'killed');
          } else if (kind === 'pause') {
            const untilMs = Math.min(time.nowMs + pauseMs, chaosEndMs);
            target.owner.frozenUntilMs = untilMs;
            target.pauses.push({ fromMs: time.nowMs, toMs: untilMs });
            trace?.(`${target.name} paused until ${new Date(untilMs).toISOString().slice(14, 23)}`);
            counts[untilMs - time.nowMs > maxLeaseMs ? 'pause-longer-than-lease' : 'pause-short'] =
              (counts[untilMs - time.nowMs > maxLeaseMs ? 'pause-longer-than-lease' : 'pause-short'] ?? 0) + 1;
          } else if (kind === 'duplicate') {
            counts['duplicate-tick'] = (counts['duplicate-tick'] ?? 0) + 1;
            trace?.(`${target.name} duplicate tick`);
            const deps = depsFor(target, target.owner);
            void time.runAs(target.owner, () => tick(deps, { jobs }).catch(() => undefined));
          }
        },
        world,
      );
    }
    // The quiet phase: faults stop, every crashed node is back.
    time.schedule(
      chaosMs,
      () => {
        chaos = false;
        const bases = new Set(instances.map((instance) => instance.base).filter((base) => base >= 0));
        for (const base of bases) {
          const latest = instances.filter((instance) => instance.base === base).at(-1)!;
          if (latest.owner.dead) startInstance(base, latest.offsetMs);
        }
      },
      world,
    );
    await time.run(endMs);
  } finally {
    for (const instance of instances) instance.owner.dead = true;
    time.dispose();
  }
  return {
    seed: options.seed,
    jobs: [...jobs, ...(plan ? [plan.checkerJob] : []), ...(tenants?.tenants.map((tenant) => tenant.job) ?? [])],
    maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    tickPeriodMs: 1_000,
    startMs: START_MS,
    chaosEndMs,
    endMs,
    runs,
    writes,
    items: db.items(TABLE),
    instances: instances.map(({ owner: _owner, base: _base, ...record }) => record),
    faults: counts,
    timersFired: time.fired,
    fencedStore,
  };
}
