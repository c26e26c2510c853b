import { describe, expect, it } from 'vitest';
import { Permits } from '../../functions/core/permits.js';

describe('Permits', () => {
  it('lets at most `size` holders in, and the next waiter in as soon as one gives its permit back', async () => {
    const permits = new Permits(2);
    const order: string[] = [];
    const a = await permits.take();
    const b = await permits.take();
    const noted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = permits.take().then(noted('c'));
    const d = permits.take().then(noted('d'));
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // a second call gives nothing back twice
    const releaseC = await c;
    await Promise.resolve();
    expect(order).toEqual(['c']);
    b();
    await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
  });

  it('treats a size below one as one', async () => {
    const permits = new Permits(0);
    const first = await permits.take();
    let second = false;
    const waiting = permits.take().then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    first();
    await waiting;
    expect(second).toBe(true);
  });
});
