import { describe, expect, it } from 'vitest';
import { readMaxClockSkewMs } from '../../functions/settings.js';

describe('readMaxClockSkewMs', () => {
  it('defaults to one second', () => {
    expect(readMaxClockSkewMs({})).toBe(1_000);
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '' })).toBe(1_000);
  });

  it('reads milliseconds', () => {
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '250' })).toBe(250);
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '0' })).toBe(0);
  });

  it.each(['abc', '-1', 'Infinity', '1s'])('refuses %j, naming the variable and the value', (raw) => {
    expect(() => readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: raw })).toThrow(
      `environment variable MAX_CLOCK_SKEW_MS has value ${JSON.stringify(raw)}; expected a number of milliseconds >= 0`,
    );
  });
});
