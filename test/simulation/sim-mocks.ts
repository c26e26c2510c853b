/**
 * Module mocks shared by the simulation's test files (vitest hoists `vi.mock` from an imported
 * setup module too): deterministic lease tokens, and a faster but equivalent nextSlots.
 */
import { vi } from 'vitest';

// Lease tokens come from randomUUID; a counter that each simulation resets makes a seed's
// history (tokens included) identical run after run.
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>();
  const counter = globalThis as { simTokenCounter?: number };
  return { ...crypto, randomUUID: () => `${((counter.simTokenCounter = (counter.simTokenCounter ?? 0) + 1)).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000` };
});

// For a per-second cron, the core's nextSlots walks two hours of slots (7,200 cron-parser
// steps) to name the next one, on every idle tick: most of the simulation's time (reported as
// a performance issue). Here it looks one minute ahead first, which gives the same answer.
vi.mock('../../functions/core/slots.js', async (original) => {
  const slots = await original<typeof import('../../functions/core/slots.js')>();
  return {
    ...slots,
    nextSlots: (schedule: import('../../functions/core/slots.js').CronSchedule, afterMs: number, count: number) => {
      const soon = slots.slotsBetween(schedule, afterMs, afterMs + 60_000);
      return soon.length >= count ? soon.slice(0, count) : slots.nextSlots(schedule, afterMs, count);
    },
  };
});
