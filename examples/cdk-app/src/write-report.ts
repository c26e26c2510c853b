/** The job: records the slot it ran for in the reports table, guarded by the run's fence. */
import type { RunContext } from 'cluster-cron';
import { saveReport } from './report-store.js';

/** The job's arguments, typed: `ctx.args.report` is a string. */
export interface ReportArgs {
  report: string;
}

export async function writeReport({ args, slot, fence, signal, log }: RunContext<ReportArgs>): Promise<void> {
  const saved = await saveReport({ report: args.report, slot: slot.toISOString(), fence }, signal);
  log.info(saved ? 'report.saved' : 'report.stale', { report: args.report, fence });
}
