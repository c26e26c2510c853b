/** A cron expression in plain words, shared by the CLI's tables and the status page's JSON. */
import cronstrue from 'cronstrue';

/** A cron in plain words ("Every 2 seconds"), or the expression itself where cronstrue cannot read it (H). */
export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return cron;
  }
}
