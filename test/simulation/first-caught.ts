/** The negative controls' search: the first seed whose history shows a violation the control expects. */
import { checkHistory, type Violation } from './checker.js';
import { type SimOptions, simulate } from './simulation.js';

/** Simulates seeds 1..maxSeeds in order and returns the first matching violation with its seed, or undefined. */
export async function firstCaught(
  maxSeeds: number,
  matches: (violation: Violation) => boolean,
  options: Omit<SimOptions, 'seed'> = {},
): Promise<{ seed: number; violation: Violation } | undefined> {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const violation = checkHistory(await simulate({ seed, ...options })).find(matches);
    if (violation) return { seed, violation };
  }
  return undefined;
}

/** The line a negative control prints: where it was caught, or that it was not. */
export function caughtLine(name: string, maxSeeds: number, caught: { seed: number; violation: Violation } | undefined): string {
  return `negative control "${name}": ${caught === undefined ? `not caught in ${maxSeeds} seeds` : `caught at seed ${caught.seed}: ${caught.violation.invariant} ${caught.violation.message}`}`;
}
