/** A log whose every line carries the same attributes: a run's job, slot and fence, or a hook's. */
import type { EventLog } from './types.js';

/** Wraps `log` so every line carries `attributes` (a line's own attributes win). */
export function withAttributes(log: EventLog, attributes: Record<string, unknown>): EventLog {
  return {
    debug: (message, extra) => log.debug(message, { ...attributes, ...extra }),
    info: (message, extra) => log.info(message, { ...attributes, ...extra }),
    warn: (message, extra) => log.warn(message, { ...attributes, ...extra }),
    error: (message, extra) => log.error(message, { ...attributes, ...extra }),
  };
}
