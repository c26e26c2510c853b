/**
 * What a run records when its handler throws something other than an Error: a thrown object
 * (`throw { code: 42 }`, a fetch library's plain error body) shows its contents, not
 * "[object Object]".
 */
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../functions/core/errors.js';

describe('errorMessage', () => {
  it('shows an Error by its name and message', () => {
    expect(errorMessage(new TypeError('bad'))).toBe('TypeError: bad');
  });

  it('shows a thrown string, number, null and undefined as they are', () => {
    expect([errorMessage('just a string'), errorMessage(42), errorMessage(null), errorMessage(undefined)]).toEqual([
      'just a string',
      '42',
      'null',
      'undefined',
    ]);
  });

  it('shows a thrown plain object or array as JSON', () => {
    expect(errorMessage({ code: 42, reason: 'quota' })).toBe('{"code":42,"reason":"quota"}');
    expect(errorMessage(['a', 1])).toBe('["a",1]');
  });

  it('cuts a long one, and falls back to its text when it has no JSON (a cycle, a BigInt)', () => {
    const long = errorMessage({ text: 'x'.repeat(5_000) });
    expect(long.length).toBe(1_000);
    expect(long.endsWith('...')).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorMessage(cyclic)).toBe('[object Object]');
    expect(errorMessage({ big: 1n })).toBe('[object Object]');
  });
});
