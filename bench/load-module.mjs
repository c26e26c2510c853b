// Loads one module in this fresh process and prints how long the import took (JSON on stdout).
// Plain JavaScript so that no loader (tsx) runs before the import being measured.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
const before = performance.now();
const cpuBefore = process.cpuUsage();
const module = await import(pathToFileURL(file).href);
const importMs = performance.now() - before;
// CPU time of the import: steadier than wall time on a shared machine.
const cpu = process.cpuUsage(cpuBefore);
const importCpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(
  `${JSON.stringify({
    importMs,
    importCpuMs,
    sinceStartMs: performance.now(),
    handler: typeof module.handler,
    maxRssKb: process.resourceUsage().maxRSS,
  })}\n`,
);
