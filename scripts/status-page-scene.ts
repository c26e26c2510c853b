/**
 * A real status page to look at or test: the embedded local DynamoDB (dynalite, in process), real
 * `cluster-cron start` nodes and a real `cluster-cron ui` on a free port, all on one fresh table.
 * Used by the browser test and by `npm run screenshot`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/dynamo-client.js';
import { startLocalDynamo } from '../functions/local/dynalite-server.js';
import { ensureTable } from '../functions/local/table.js';
import { type CliProcess, spawnCli } from '../test/support/cli-process.js';

/** One `cluster-cron` child process and every line it printed. */
export type SceneProcess = CliProcess;

/** The running scene. */
export interface StatusPageScene {
  /** The page's address with the action token, as `cluster-cron ui` printed it. */
  url: string;
  token: string;
  tableName: string;
  client: DynamoDBDocumentClient;
  nodes: SceneProcess[];
  ui: SceneProcess;
  /** Stops the ui and the nodes with Ctrl-C (SIGINT), then the local DynamoDB. */
  stop(): Promise<void>;
}

/** Waits until `find` returns something, polling every 50 ms; throws `what` after `timeoutMs`. */
export async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const giveUpAtMs = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > giveUpAtMs) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the local DynamoDB, `nodeCount` nodes running `scheduleYaml`, and the ui on a fresh table; resolves once the ui printed its URL. */
export async function startStatusPageScene(
  scheduleYaml: string,
  nodeCount = 1,
  tableName = `page-${randomUUID().slice(0, 8)}`,
): Promise<StatusPageScene> {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-page-'));
  const schedule = join(dir, 'schedule.yml');
  writeFileSync(schedule, scheduleYaml);
  const dynamo = await startLocalDynamo();
  const client = createDocumentClient(dynamo.endpoint);
  await ensureTable(client, tableName, { create: true });
  const env = {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    CLUSTER_CRON_TABLE: tableName,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const nodes = Array.from({ length: nodeCount }, () => spawnCli(['start', '--schedule', schedule], env));
  const ui = spawnCli(['ui', '--port', '0', '--schedule', schedule], env);
  const stop = async (): Promise<void> => {
    for (const proc of [ui, ...nodes]) if (proc.child.exitCode === null) proc.child.kill('SIGINT');
    await Promise.all([ui, ...nodes].map((proc) => proc.exited));
    client.destroy();
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await waitFor(
      () => {
        if (ui.child.exitCode !== null) throw new Error(`cluster-cron ui exited with ${ui.child.exitCode}:\n${ui.lines.join('\n')}`);
        return ui.lines.map((line) => /open (http:\/\/\S+#token=\S+)/.exec(line)?.[1]).find(Boolean);
      },
      30_000,
      'the URL printed by cluster-cron ui',
    );
    return { url, token: new URL(url).hash.replace('#token=', ''), tableName, client, nodes, ui, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
