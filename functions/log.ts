/**
 * Structured logs: one JSON line per event, written by Powertools for AWS Lambda's Logger both
 * in Lambda and in local nodes, so a run's interval reads the same from any instance's logs.
 */
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import type { EventLog } from './core/types.js';

/** Where local commands write logs: stderr keeps stdout free for a command's own output. */
export type LogStream = 'stdout' | 'stderr';

/**
 * A Powertools Logger behind the core's EventLog. Level from POWERTOOLS_LOG_LEVEL or
 * CLUSTER_CRON_LOG_LEVEL (default INFO); `instance` is on every line.
 */
export function createEventLog(options: { instance: string; stream?: LogStream; level?: string }): EventLog & { logger: Logger } {
  const logger = new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cluster-cron',
    logLevel: (options.level ?? process.env.CLUSTER_CRON_LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO',
    persistentKeys: { instance: options.instance },
  });
  if (options.stream === 'stderr') {
    // Powertools writes through its own Console; point both of its streams at stderr.
    (logger as unknown as { console: Console }).console = new Console({ stdout: process.stderr, stderr: process.stderr });
  }
  return {
    logger,
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}
