/**
 * Module mocks shared by the simulation's test files (vitest hoists `vi.mock` from an imported
 * setup module too): deterministic lease tokens.
 */
import { vi } from 'vitest';

// Lease tokens come from randomUUID; a counter that each simulation resets makes a seed's
// history (tokens included) identical run after run.
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>();
  const counter = globalThis as { simTokenCounter?: number };
  return {
    ...crypto,
    randomUUID: () => {
      counter.simTokenCounter = (counter.simTokenCounter ?? 0) + 1;
      return `${counter.simTokenCounter.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    },
  };
});
