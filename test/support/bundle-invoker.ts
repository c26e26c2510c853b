/**
 * Runs a deployed tick bundle as Lambda would: in a plain Node process (no tsx, no vitest, no
 * node_modules beside it but the asset's own), its handler invoked once per event.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Loads the bundle, invokes its handler once per event, and writes the results as JSON on stderr's last line; the handler's own logs go to stdout (errors and warnings to stderr). */
const INVOKER = `
const [bundle, eventsJson] = process.argv.slice(1);
// Two invocations a moment apart must see the same minute: wait out a minute's last seconds.
const intoMinuteMs = Date.now() % 60000;
if (intoMinuteMs > 55000) await new Promise((resolve) => setTimeout(resolve, 60000 - intoMinuteMs + 50));
const { handler } = await import(bundle);
const context = { getRemainingTimeInMillis: () => 60000, logStreamName: '2026/11/26/[$LATEST]0123456789abcdef', awsRequestId: 'r' };
const results = [];
for (const event of JSON.parse(eventsJson)) {
  try {
    results.push({ response: await handler(event, context) });
  } catch (error) {
    results.push({ errorType: error.name, errorMessage: error.message });
  }
}
process.stderr.write('\\n' + JSON.stringify(results) + '\\n');
`;

/** One invocation's response, or the error it threw. */
export interface Invocation {
  response?: { instance: string; counts: Record<string, number>; outcomes: Record<string, unknown>[] };
  errorType?: string;
  errorMessage?: string;
}

/** A log line as the tests read it: Powertools' fields, and EMF's `_aws` metadata on a metrics line. */
export type LogLine = Record<string, unknown> & { _aws?: { CloudWatchMetrics?: { Namespace?: string }[] } };

function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Invokes `bundle`'s handler with each event in turn; `logs` are stdout's lines, `errorLogs` stderr's. */
export async function invokeBundle(
  bundle: string,
  env: NodeJS.ProcessEnv,
  events: unknown[],
): Promise<{ results: Invocation[]; logs: LogLine[]; errorLogs: LogLine[] }> {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', INVOKER, bundle, JSON.stringify(events)],
    { env, cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 },
  );
  const stderrLines = stderr.trim().split('\n');
  const results = JSON.parse(stderrLines.pop()!) as Invocation[];
  return { results, logs: jsonLines(stdout), errorLogs: jsonLines(stderrLines.join('\n')) };
}
