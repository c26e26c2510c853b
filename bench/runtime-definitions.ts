/**
 * Many runtime jobs at once, for the scale scenarios: each stored as `upsertJob` stores it
 * (`writeRuntimeJob`: validated by the file's validator, with its compiled definition and its
 * first slot as `nextDueMs`), a bounded number of writes at a time.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobHandler } from '../functions/core/types.js';
import { type RuntimeJobSpec, writeRuntimeJob } from '../functions/job-operations.js';
import { benchDeps } from './bench-env.js';

/** How many definition writes are in flight at once (each is a read and a conditional update). */
export const DEFINITION_WRITE_CONCURRENCY = 20;

/** A group of runtime jobs that share a cron: `count` of them. */
export interface JobGroup {
  count: number;
  cron: string;
}

/** The specs of `groups`, named `<prefix>-00000`.. in group order, each with class `Work` and `extra` keys. */
export function groupSpecs(prefix: string, groups: readonly JobGroup[], extra: Partial<RuntimeJobSpec> = {}): RuntimeJobSpec[] {
  const specs: RuntimeJobSpec[] = [];
  for (const group of groups) {
    for (let i = 0; i < group.count; i++) {
      specs.push({ name: `${prefix}-${String(specs.length).padStart(5, '0')}`, cron: group.cron, class: 'Work', ...extra });
    }
  }
  return specs;
}

/**
 * Stores `specs` in `tableName` as of `clock()` (their creation time, from which their first slot
 * counts), `concurrency` at a time. Resolves with the wall time; throws on a write that stores nothing.
 */
export async function writeDefinitions(
  client: DynamoDBDocumentClient,
  tableName: string,
  specs: readonly RuntimeJobSpec[],
  options: { clock?: () => number; handlers?: Record<string, JobHandler>; concurrency?: number } = {},
): Promise<{ ms: number }> {
  const deps = benchDeps(client, tableName, 'bench-writer', options.handlers ?? { Work: () => {} }, {
    ...(options.clock && { clock: options.clock }),
  });
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      const result = await writeRuntimeJob(deps, [], spec, 'upsert');
      if (result.outcome !== 'written') throw new Error(`definition of ${spec.name}: ${result.outcome}`);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFINITION_WRITE_CONCURRENCY, specs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { ms: performance.now() - start };
}
