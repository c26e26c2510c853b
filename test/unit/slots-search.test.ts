// previousSlot and nextSlots on odd schedules, and the parsed fields they share: the same answers
// as a cron-parser expression parsed afresh for every question.
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { cronOf, nextSlots, parseCron, previousSlot, slotsBetween } from '../../functions/core/slots.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const isos = (slots: number[]): string[] => slots.map((ms) => new Date(ms).toISOString());

describe('previousSlot and nextSlots on odd schedules', () => {
  it('per second: the slot at or before, and the next ones strictly after', () => {
    const cron = parseCron('* * * * * *', 'UTC');
    expect(iso(previousSlot(cron, at('2026-03-01T10:00:00.500Z')))).toBe('2026-03-01T10:00:00.000Z');
    expect(iso(previousSlot(cron, at('2026-03-01T10:00:01.000Z')))).toBe('2026-03-01T10:00:01.000Z');
    expect(isos(nextSlots(cron, at('2026-03-01T10:00:01.000Z'), 3))).toEqual([
      '2026-03-01T10:00:02.000Z',
      '2026-03-01T10:00:03.000Z',
      '2026-03-01T10:00:04.000Z',
    ]);
  });

  it('yearly: months back and years ahead', () => {
    const cron = parseCron('@yearly', 'UTC');
    expect(iso(previousSlot(cron, at('2026-06-01T00:00:00Z')))).toBe('2026-01-01T00:00:00.000Z');
    expect(isos(nextSlots(cron, at('2026-06-01T00:00:00Z'), 2))).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });

  it('29 February: the leap day before and the ones after', () => {
    const cron = parseCron('0 0 29 2 *', 'UTC');
    expect(iso(previousSlot(cron, at('2026-06-01T00:00:00Z')))).toBe('2024-02-29T00:00:00.000Z');
    expect(iso(previousSlot(cron, at('2024-02-29T00:00:00Z')))).toBe('2024-02-29T00:00:00.000Z');
    expect(isos(nextSlots(cron, at('2026-06-01T00:00:00Z'), 2))).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('a fixed hour in Berlin across the spring-forward gap: 02:30 runs at 03:30 CEST', () => {
    const cron = parseCron('30 2 * * *', 'Europe/Berlin');
    expect(iso(previousSlot(cron, at('2026-03-29T02:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    expect(isos(nextSlots(cron, at('2026-03-28T12:00:00Z'), 2))).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('every hour in Berlin across the fall-back: both repeated hours', () => {
    const cron = parseCron('30 * * * *', 'Europe/Berlin');
    expect(isos(nextSlots(cron, at('2026-10-25T00:00:00Z'), 3))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
    expect(iso(previousSlot(cron, at('2026-10-25T01:45:00Z')))).toBe('2026-10-25T01:30:00.000Z');
  });

  it('L (the last day of the month) and # (the second Monday)', () => {
    const last = parseCron('0 0 L * *', 'UTC');
    expect(iso(previousSlot(last, at('2026-03-15T00:00:00Z')))).toBe('2026-02-28T00:00:00.000Z');
    expect(isos(nextSlots(last, at('2026-02-10T00:00:00Z'), 2))).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    const secondMonday = parseCron('0 9 * * 1#2', 'UTC');
    expect(iso(previousSlot(secondMonday, at('2026-03-01T00:00:00Z')))).toBe('2026-02-09T09:00:00.000Z');
    expect(isos(nextSlots(secondMonday, at('2026-03-01T00:00:00Z'), 2))).toEqual(['2026-03-09T09:00:00.000Z', '2026-04-13T09:00:00.000Z']);
  });
});

describe('the parsed fields shared between questions', () => {
  it('keeps H per job: one expression, two jobs, two minutes', () => {
    const from = at('2026-01-01T00:00:00Z');
    const [alpha] = nextSlots(cronOf({ name: 'alpha', cron: 'H * * * *', timezone: 'UTC' }), from, 1);
    const [beta] = nextSlots(cronOf({ name: 'beta', cron: 'H * * * *', timezone: 'UTC' }), from, 1);
    const fresh = (seed: string): number =>
      CronExpressionParser.parse('H * * * *', { tz: 'UTC', currentDate: new Date(from), hashSeed: seed })
        .next()
        .getTime();
    expect([alpha, beta]).toEqual([fresh('alpha'), fresh('beta')]);
    expect(alpha).not.toBe(beta);
  });

  it('answers as an expression parsed afresh, question after question, in UTC and in a zone', () => {
    // Each with a look-back that always holds a slot before.
    const expressions: [string, number][] = [
      ['*/7 * * * * *', 60_000],
      ['*/5 * * * *', 3_600_000],
      ['0 */3 * * *', 86_400_000],
      ['15 10 * * 1-5', 5 * 86_400_000],
      ['0 0 L * *', 40 * 86_400_000],
      ['0 12 * * 5#3', 40 * 86_400_000],
    ];
    let seed = 12_345;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const afresh = (expression: string, fromMs: number) =>
      CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(fromMs) });
    for (const [expression, lookBackMs] of expressions) {
      const cron = parseCron(expression, 'UTC');
      for (let i = 0; i < 20; i++) {
        const fromMs = at('2026-01-01T00:00:00Z') + Math.floor(random() * 400 * 86_400_000);
        const after = afresh(expression, fromMs);
        expect(nextSlots(cron, fromMs, 2)).toEqual([after.next().getTime(), after.next().getTime()]);
        const back = afresh(expression, fromMs - lookBackMs);
        let before: number | undefined;
        for (let next = back.next().getTime(); next <= fromMs; next = back.next().getTime()) before = next;
        expect(previousSlot(cron, fromMs)).toBe(before);
      }
    }
    const zoned = parseCron('30 2 * * *', 'America/Chicago');
    for (let day = 0; day < 400; day += 9) {
      const fromMs = at('2026-01-01T12:00:00Z') + day * 86_400_000;
      expect(nextSlots(zoned, fromMs, 2)).toEqual(slotsBetween(zoned, fromMs, fromMs + 3 * 86_400_000).slice(0, 2));
    }
  });
});
