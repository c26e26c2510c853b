/**
 * The tick function's V8 heap settings, passed in NODE_OPTIONS. A 1,000-job tick keeps about
 * 22 MB alive (heap snapshots mid-tick), but V8 sizes its heap from the machine's memory, not
 * the function's: with a large old-space limit it lets old space grow to four times the live
 * size before a mark-compact (the tick's short-lived request objects are promoted by its
 * scavenges), and it reserves a 16 MB semi-space. Capping old space at three quarters of the
 * function's memory makes it collect at about twice the live size; an 8 MB semi-space halves
 * the young generation. Measured by `npm run bench` (scenario 5, both ways): peak RSS 213 MB ->
 * 126 MB at 1,000 jobs, for about 40% more GC time (300 ms over 3,000 runs).
 */

/** The young generation's semi-space, in MB: half V8's default on a large machine. */
export const TICK_SEMI_SPACE_MB = 8;

/** The V8 heap flags for a tick function of `memorySizeMb`. */
export function tickHeapOptions(memorySizeMb: number): string {
  // Three quarters: the rest is code, the young generation, buffers and the runtime's own.
  const oldSpaceMb = Math.max(64, Math.floor((memorySizeMb * 3) / 4));
  return `--max-semi-space-size=${TICK_SEMI_SPACE_MB} --max-old-space-size=${oldSpaceMb}`;
}
