/**
 * The seed's cluster demo in one terminal: a local DynamoDB and N identical `start` nodes on
 * it, their logs merged and summarised, the status page (`cluster-cron ui`) on the same table,
 * then a check that no two runs overlapped and no slot started twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { PACKAGE_ROOT } from '../package-root.js';
import { startLocalDynamo } from './dynalite-server.js';
import { checkRuns, parseRuns, type RunCheck } from './run-log.js';

const CLI = join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs');

/** Options of the demo. */
export interface DemoOptions {
  nodes: number;
  /** The CLI options that name the jobs: `['--schedule', file]` or `['--config', file]`. */
  source: string[];
  /** How the output names them. */
  label: string;
  /** Stop after this long; undefined: until Ctrl-C. */
  seconds?: number;
  out: NodeJS.WritableStream;
  /** Serve the status page on this port (0: any free one); undefined: no page. */
  uiPort?: number;
}

function label(event: Record<string, unknown>, names: Map<string, string>): string | undefined {
  const who = names.get(String(event.instance).split(':').pop() ?? '') ?? String(event.instance);
  const at = String(event.timestamp).slice(11, 23);
  const slot = String(event.slot ?? '').slice(11, 19);
  switch (event.message) {
    case 'run.start':
      return `${at} ${who}  START  ${event.job} slot ${slot} fence ${event.fence}`;
    case 'run.end':
      return `${at} ${who}  END    ${event.job} slot ${slot} ${event.status} after ${(Number(event.durationMs) / 1_000).toFixed(1)}s${event.error ? `: ${event.error}` : ''}`;
    case 'slot.locked':
      return `${at} ${who}  skip   ${event.job} slot ${slot}: still held (fence ${event.heldFence})`;
    case 'slot.buffered':
      return `${at} ${who}  buffer ${event.job} slot ${slot}: waits for the running holder`;
    case 'slot.dropped':
      return `${at} ${who}  drop   ${event.job} slot ${slot}: a slot is already buffered`;
    case 'lease.lost':
    case 'lease.takeover':
    case 'tick.error':
      return `${at} ${who}  ${String(event.message).toUpperCase()} ${JSON.stringify(event)}`;
    default:
      return typeof event.message === 'string' && event.message.startsWith('I AM WORKING') ? `${at} ${who}  ${event.message}` : undefined;
  }
}

/** A child's stream spawned with `'pipe'`: Node sets it, so null means the spawn options changed. */
function pipedOutput(stream: Readable | null): Readable {
  if (!stream) throw new Error('demo: a child spawned with a piped output has no stream for it');
  return stream;
}

/**
 * `cluster-cron ui` on the demo's table, in its own process group like the nodes; prints the
 * page's address (with its token) when it is up, or why it could not start (a port in use).
 */
function startPage(
  port: number,
  source: string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  exited: Promise<void>[],
): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'ui', '--port', String(port), ...source], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  exited.push(new Promise((resolve) => child.once('exit', () => resolve())));
  createInterface({ input: pipedOutput(child.stdout) }).on('line', (line) => {
    const url = /open (http:\/\/\S+)/.exec(line)?.[1];
    if (url) out.write(`status page: ${url}  (open it in a browser; the token after # allows trigger, pause and resume)\n`);
  });
  createInterface({ input: pipedOutput(child.stderr) }).on('line', (line) => {
    if (line.startsWith('cluster-cron:'))
      out.write(`status page not started: ${line.replace('cluster-cron: ', '').replace('--port', '--ui-port')}\n`);
  });
  return child;
}

/** Runs the demo; resolves with the check of every run the nodes logged. */
export async function runDemo(options: DemoOptions): Promise<RunCheck> {
  const server = await startLocalDynamo();
  const lines: string[] = [];
  const names = new Map<string, string>();
  const children: ChildProcess[] = [];
  options.out.write(`local DynamoDB (in memory) on ${server.endpoint}; starting ${options.nodes} nodes with ${options.label}\n`);
  const exited: Promise<void>[] = [];
  const env = { ...process.env, DYNAMODB_ENDPOINT: server.endpoint, CLUSTER_CRON_TABLE: 'cluster-cron-demo' };
  for (let index = 1; index <= options.nodes; index++) {
    const child = spawn(process.execPath, [CLI, 'start', ...options.source], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
      // Its own process group: Ctrl-C in the terminal reaches the demo only, which then stops
      // each node with exactly one SIGINT (a second one would make a node exit at once).
      detached: true,
    });
    names.set(String(child.pid), `node-${index}`);
    children.push(child);
    exited.push(new Promise((resolve) => child.once('exit', () => resolve())));
    createInterface({ input: pipedOutput(child.stdout) }).on('line', (line) => {
      lines.push(line);
      try {
        const text = label(JSON.parse(line) as Record<string, unknown>, names);
        if (text) options.out.write(`${text}\n`);
      } catch {
        options.out.write(`node-${index}: ${line}\n`);
      }
    });
  }
  if (options.uiPort !== undefined) children.push(startPage(options.uiPort, options.source, env, options.out, exited));
  // Never leave a node behind, even if the demo itself dies.
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  await new Promise<void>((resolve) => {
    const timer = options.seconds !== undefined ? setTimeout(resolve, options.seconds * 1_000) : undefined;
    process.once('SIGINT', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
  });
  options.out.write('stopping the nodes (each finishes or aborts its run and releases its lease)...\n');
  for (const child of children) child.kill('SIGINT');
  await Promise.all(exited);
  process.off('exit', killAll);
  await server.close();
  const check = checkRuns(parseRuns(lines));
  const perNode = new Map<string, number>();
  for (const run of check.runs) {
    const name = names.get(run.instance.split(':').pop() ?? '') ?? run.instance;
    perNode.set(name, (perNode.get(name) ?? 0) + 1);
  }
  options.out.write(
    `\n${check.runs.length} runs (${[...perNode].map(([name, count]) => `${name}: ${count}`).join(', ')}); ` +
      `overlapping runs: ${check.overlaps.length}; slots started twice: ${check.duplicateStarts.length}; fences out of order: ${check.fenceOrder.length}\n`,
  );
  return check;
}
