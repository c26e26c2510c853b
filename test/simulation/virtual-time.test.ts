/**
 * The simulation runs on injected virtual time only: it never patches the global timers, and
 * neither the core nor the simulation sets a real timer while a seed runs (time.ts's seam).
 */
import { createHook } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import './sim-mocks.js';
import { systemTimers } from '../../functions/core/time.js';
import { simulate } from './simulation.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Records where each real timer (a Node Timeout) that code of this repository creates while enabled was set. */
function watchProjectTimers(): { setAt: string[]; stop(): void } {
  const setAt: string[] = [];
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const hook = createHook({
    init(_asyncId, type) {
      if (type !== 'Timeout') return;
      const stack = new Error().stack ?? '';
      // Past the message and this hook's own frame; vitest's timers come from node_modules.
      const projectFrames = stack
        .split('\n')
        .slice(2)
        .filter((frame) => frame.includes(REPO_ROOT) && !frame.includes('/node_modules/'));
      if (projectFrames.length > 0) setAt.push(projectFrames.map((frame) => frame.trim()).join(' <- '));
    },
  }).enable();
  return {
    setAt,
    stop: () => {
      hook.disable();
      Error.stackTraceLimit = savedLimit;
    },
  };
}

const globalTimers = (): unknown[] => [globalThis.setTimeout, globalThis.clearTimeout, globalThis.setInterval, globalThis.clearInterval];

describe('virtual time in the simulation', () => {
  it('is seen by the watcher when project code sets a real timer (so the next test is not vacuous)', () => {
    const watcher = watchProjectTimers();
    try {
      systemTimers.clearTimeout(systemTimers.setTimeout(() => {}, 1_000));
    } finally {
      watcher.stop();
    }
    expect(watcher.setAt).toHaveLength(1);
  });

  it('runs a seed without touching the global timers: the same functions before, during and after, and no real timer set', async () => {
    const before = globalTimers();
    const sameDuring: boolean[] = [];
    const watcher = watchProjectTimers();
    const wallStartMs = performance.now();
    let history: Awaited<ReturnType<typeof simulate>>;
    try {
      history = await simulate({
        seed: 3,
        // Called on every request a simulated process sends, so in the middle of the run.
        rewrite: (command) => {
          sameDuring.push(globalTimers().every((fn, index) => fn === before[index]));
          return command;
        },
      });
    } finally {
      watcher.stop();
    }
    const wallMs = performance.now() - wallStartMs;
    expect(watcher.setAt).toEqual([]);
    expect(globalTimers()).toEqual(before);
    expect(sameDuring.length).toBeGreaterThan(100);
    expect(sameDuring.every(Boolean)).toBe(true);
    // The run completed on virtual time: runs happened, timers fired, far faster than the span it covers.
    expect(history.runs.length).toBeGreaterThan(0);
    expect(history.timersFired).toBeGreaterThan(100);
    expect(wallMs).toBeLessThan((history.endMs - history.startMs) / 2);
  });
});
