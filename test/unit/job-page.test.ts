import { describe, expect, it } from 'vitest';
import { CountsCache } from '../../functions/ui/job-counts-cache.js';
import { decodeCursor, encodeCursor, PAGE_DEFAULT, pageOf, parsePageQuery } from '../../functions/ui/job-page.js';
import { HttpError } from '../../functions/ui/request-parts.js';
import { jobDefinition } from '../support/job-definition.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

describe('the page query', () => {
  it('reads the prefix, the limit and the cursor, with a default page size', () => {
    expect(parsePageQuery({})).toEqual({ prefix: '', limit: PAGE_DEFAULT });
    expect(parsePageQuery({ prefix: 'billing-', limit: '200', cursor: encodeCursor('billing-07') })).toEqual({
      prefix: 'billing-',
      limit: 200,
      after: 'billing-07',
    });
  });

  it.each(['0', '201', '1.5', 'ten', ''])('refuses limit %j with a 400', (limit) => {
    expect(() => parsePageQuery({ limit })).toThrow(HttpError);
  });

  it('refuses a cursor it did not make, and a very long prefix', () => {
    expect(() => decodeCursor('nope')).toThrow('query parameter "cursor" has value "nope"');
    expect(() => decodeCursor(Buffer.from('{"after":3}').toString('base64url'))).toThrow(HttpError);
    expect(() => parsePageQuery({ prefix: 'x'.repeat(257) })).toThrow('query parameter "prefix" is 257 characters long');
  });

  it('round-trips a name through the cursor, whatever its characters', () => {
    for (const name of ['a', 'tenant/ü 1', '"quoted"']) expect(decodeCursor(encodeCursor(name))).toBe(name);
  });
});

describe('a page of a given list of jobs', () => {
  const jobs = ['c', 'a', 'b2', 'b1', 'd'].map((name) => jobDefinition({ name }));

  it('takes the jobs in name order after the cursor, and names the last one only when more follow', () => {
    const first = pageOf(jobs, { prefix: '', limit: 2 });
    expect([first.jobs.map((job) => job.name), first.lastName]).toEqual([['a', 'b1'], 'b1']);
    const last = pageOf(jobs, { prefix: '', limit: 3, after: 'b1' });
    expect([last.jobs.map((job) => job.name), last.lastName]).toEqual([['b2', 'c', 'd'], undefined]);
    expect(pageOf(jobs, { prefix: 'b', limit: 5 }).jobs.map((job) => job.name)).toEqual(['b1', 'b2']);
  });
});

describe('the counts cache', () => {
  it('counts once per period, shares a count in flight, and counts again after it', async () => {
    const cache = new CountsCache(30_000);
    let counted = 0;
    const count = async () => ++counted;
    const [a, b] = await Promise.all([cache.get('k', T0, count), cache.get('k', T0 + 10, count)]);
    expect([a, b]).toEqual([
      { value: 1, countedAtMs: T0 },
      { value: 1, countedAtMs: T0 },
    ]);
    expect(await cache.get('k', T0 + 29_999, count)).toEqual({ value: 1, countedAtMs: T0 });
    expect(await cache.get('k', T0 + 30_000, count)).toEqual({ value: 2, countedAtMs: T0 + 30_000 });
    expect(await cache.get('other', T0 + 30_000, count)).toEqual({ value: 3, countedAtMs: T0 + 30_000 });
  });

  it('keeps no failed count: the next ask counts again', async () => {
    const cache = new CountsCache(30_000);
    await expect(cache.get('k', T0, async () => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    expect(await cache.get('k', T0 + 1, async () => 7)).toEqual({ value: 7, countedAtMs: T0 + 1 });
  });
});
