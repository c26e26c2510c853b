/**
 * `npm run soak`: the simulation on many seeds, one vitest process per core, each on its own
 * slice of the range. SIM_SEEDS (default 3000) seeds from SIM_FROM (default: an offset drawn
 * now and printed, so each soak tries seeds no one ran before), on SOAK_WORKERS processes
 * (default: one per core). Each slice prints its progress every 250 seeds and its summary line;
 * the exit code is non-zero if any slice failed.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const total = Number(process.env.SIM_SEEDS ?? 3_000);
const from = process.env.SIM_FROM ? Number(process.env.SIM_FROM) : 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
// One process per core by default: a seed is single-threaded CPU work.
const workers = Math.min(Number(process.env.SOAK_WORKERS ?? availableParallelism()), total);
if (!Number.isInteger(total) || total <= 0 || !Number.isInteger(from) || !Number.isInteger(workers) || workers <= 0) {
  process.stderr.write(
    `soak: SIM_SEEDS and SOAK_WORKERS must be positive whole numbers and SIM_FROM a whole number, got ${JSON.stringify({ SIM_SEEDS: process.env.SIM_SEEDS, SIM_FROM: process.env.SIM_FROM, SOAK_WORKERS: process.env.SOAK_WORKERS })}\n`,
  );
  process.exit(2);
}
process.stdout.write(
  `soak: seeds ${from} to ${from + total - 1} on ${workers} processes (replay one: SIM_SEED=<n> npx vitest run test/simulation/simulation.test.ts)\n`,
);

const startedMs = Date.now();
const slice = Math.ceil(total / workers);
const runs = Array.from({ length: workers }, (_, index) => {
  const sliceFrom = from + index * slice;
  const count = Math.min(slice, from + total - sliceFrom);
  return new Promise<{ code: number; summary: string }>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', 'test/simulation/simulation.test.ts', '-t', 'keeps'], {
      env: { ...process.env, SIM_FROM: String(sliceFrom), SIM_SEEDS: String(count), SIM_PROGRESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Progress lines come on stderr: passed through, named by slice.
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^simulation:/gm, `slice ${index + 1}:`)));
    child.on('close', (code) => {
      const summary = /simulation: \d+ seeds.*?violations: \d+/.exec(output)?.[0] ?? '(no summary)';
      if (code !== 0) process.stdout.write(output);
      resolve({ code: code ?? 1, summary });
    });
  });
});
const results = await Promise.all(runs);
for (const [index, result] of results.entries()) process.stdout.write(`slice ${index + 1} (exit ${result.code}): ${result.summary}\n`);
const failed = results.filter((result) => result.code !== 0).length;
const elapsedMs = Date.now() - startedMs;
process.stdout.write(
  `soak: ${total} seeds from ${from} in ${(elapsedMs / 60_000).toFixed(1)} min (${Math.round((elapsedMs * workers) / total)} ms a seed per process); ${failed === 0 ? 'all passed' : `${failed} slice(s) failed`}\n`,
);
process.exit(failed === 0 ? 0 : 1);
