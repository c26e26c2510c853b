/** The typed error hierarchy of cluster-cron: every error carries the context an operator needs. */

/** Base class: every error cluster-cron throws on purpose extends it. */
export class ClusterCronError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A schedule file (or one job in it) is invalid; the message names the job, key and value. */
export class ScheduleError extends ClusterCronError {
  constructor(
    message: string,
    readonly details: { source?: string; job?: string; key?: string; value?: unknown } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A cron expression or zone cron-parser rejected; wraps its plain error with the job's context. */
export class CronExpressionError extends ScheduleError {}

/** A tick payload (EventBridge event or manual) is invalid; the message names the field. */
export class PayloadError extends ClusterCronError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A CLI or API call named a job that the schedule does not define. */
export class UnknownJobError extends ClusterCronError {
  constructor(
    readonly job: string,
    known: readonly string[],
  ) {
    super(`unknown job "${job}" (the schedule defines: ${known.join(', ') || 'no jobs'})`);
  }
}

/** A CLI or API call filtered on a namespace no job of the schedule has. */
export class UnknownNamespaceError extends ClusterCronError {
  constructor(
    readonly namespace: string,
    known: readonly string[],
  ) {
    super(`no job is in namespace "${namespace}" (the schedule's namespaces: ${known.join(', ')})`);
  }
}

/**
 * A runtime job's stored definition changed (or the job was removed) after this process read it
 * and before it wrote anything for the slot: the slot is decided again under the new one.
 */
export class DefinitionChangedError extends ClusterCronError {
  constructor(
    readonly job: string,
    readonly readVersion: number,
    readonly storedVersion: number | undefined,
  ) {
    super(`job "${job}": its definition changed since it was read (version ${readVersion}, now ${storedVersion ?? 'none'})`);
  }
}

/** The table is missing or has a key schema the core cannot use. */
export class TableError extends ClusterCronError {
  constructor(
    message: string,
    readonly tableName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The lease of a run was lost (expired or taken by another holder) while it ran. */
export class LeaseLostError extends ClusterCronError {
  constructor(
    readonly job: string,
    readonly holder: string,
    readonly reason: string,
    readonly currentHolder?: string,
  ) {
    super(`lease on job "${job}" lost by ${holder}: ${reason}`);
  }
}

/** The invocation is about to reach its deadline; the run should checkpoint and return. */
export class DeadlineError extends ClusterCronError {}

/**
 * Thrown by a handler to say a retry cannot help (bad input, a refused request): the run is
 * recorded failed at once, whatever attempts its retry policy has left.
 */
export class NonRetriableError extends ClusterCronError {}

/**
 * Thrown by a handler to ask for its next attempt after a wait of its own choosing (a rate
 * limit's Retry-After): `retryAfter` is a number of milliseconds or a Date; the job's
 * `maxBackoff` still caps it.
 */
export class RetryAfterError extends ClusterCronError {
  constructor(
    message: string,
    readonly retryAfter: number | Date,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The reason a run's signal fires when the run passed its job's `timeout`. */
export class TimeoutError extends ClusterCronError {
  constructor(
    readonly job: string,
    readonly timeoutMs: number,
    readonly attempt: number,
  ) {
    super(`job "${job}": attempt ${attempt} passed its timeout of ${timeoutMs} ms`);
  }
}

/**
 * Some parts of a fanned-out tick could not be started (fan-out.ts): `failedParts` names them, so
 * the tick can log them and run their jobs itself; `cause` is the first part's error.
 */
export class FanOutError extends ClusterCronError {
  constructor(
    message: string,
    readonly failedParts: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The longest a thrown non-Error object's JSON is shown. */
const THROWN_JSON_CHARS = 1_000;

/**
 * Renders any thrown value as a short message for logs and the slot item: a thrown plain object
 * (`throw { code: 42 }`) as its JSON, cut to THROWN_JSON_CHARS, not "[object Object]".
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (error !== null && typeof error === 'object') {
    let json: string | undefined;
    try {
      json = JSON.stringify(error);
    } catch {
      json = undefined; // a cycle or a BigInt: its text below
    }
    if (json !== undefined) return json.length > THROWN_JSON_CHARS ? `${json.slice(0, THROWN_JSON_CHARS - 3)}...` : json;
  }
  return String(error);
}
