// Loads one module in this fresh process and prints how long the import took (JSON on stdout).
// Plain JavaScript so that no loader (tsx) runs before the import being measured.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
const before = performance.now();
const module = await import(pathToFileURL(file).href);
const importMs = performance.now() - before;
process.stdout.write(
  JSON.stringify({ importMs, sinceStartMs: performance.now(), handler: typeof module.handler, maxRssKb: process.resourceUsage().maxRSS }) +
    '\n',
);
