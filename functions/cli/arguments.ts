/**
 * What the CLI's commands share on their way in: the argument parsers, the --config and
 * --schedule options, and loading the jobs those name.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { findConfigFile, type LoadedConfig, loadConfig } from '../config.js';
import { parseIsoTime } from '../core/payload.js';
import { readMaxClockSkewMs } from '../settings.js';

/** Parses an option's whole number above zero (--runs, --nodes, ...). */
export function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return number;
}

/** Parses a port option (0: any free one). */
export function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535)
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`);
  return number;
}

/** Parses `option`'s ISO-8601 time with a zone into epoch ms. */
export function isoTime(option: string): (value: string) => number {
  return (value) => {
    // The payload's parser: an impossible date (30 February, 24:00) is refused, not rolled over.
    const ms = parseIsoTime(value);
    if (ms === undefined)
      throw new InvalidArgumentError(`expected an ISO-8601 time with a zone such as 2026-11-26T10:00:00Z, got "${value}" for ${option}`);
    return ms;
  };
}

/** Where a command's jobs come from: --config, --schedule, CLUSTER_CRON_CONFIG, or the defaults. */
export interface SourceOptions {
  config?: string;
  schedule?: string;
}

/**
 * The jobs of --config or --schedule; with neither, the config file found here (or named by
 * CLUSTER_CRON_CONFIG), and with none, CLUSTER_CRON_SCHEDULE_FILE or config/schedule.yml.
 */
export function loadJobs(options: SourceOptions): Promise<LoadedConfig> {
  const scheduleFromEnv =
    options.schedule === undefined && options.config === undefined && findConfigFile() === undefined
      ? process.env.CLUSTER_CRON_SCHEDULE_FILE
      : undefined;
  const schedule = options.schedule ?? scheduleFromEnv;
  return loadConfig({
    ...(options.config !== undefined && { config: options.config }),
    ...(schedule !== undefined && { schedule }),
    maxClockSkewMs: readMaxClockSkewMs(),
  });
}

/** --config and --schedule, which every command that reads the jobs takes. */
export function withSource(command: Command): Command {
  return command
    .addOption(
      new Option('-c, --config <file>', 'config file (default: cluster-cron.config.ts|.mts|.js|.mjs here, or CLUSTER_CRON_CONFIG)'),
    )
    .addOption(
      new Option(
        '-s, --schedule <file>',
        'a schedule file with the built-in handlers, instead of a config file (default config/schedule.yml)',
      ),
    );
}
