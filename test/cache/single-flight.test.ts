// Single-flight's forget: after a purge, a new caller starts a fresh execution instead of
// joining one that began before (it would answer with the old original's rendition).

import { describe, expect, it } from 'vitest';
import { createSingleFlight } from '../../src/cache/single-flight.js';

function gate<T>() {
  let open: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('single-flight forget', () => {
  it('lets waiters of a forgotten execution finish, and sends new callers to a new one', async () => {
    const flights = createSingleFlight<string>();
    const old = gate<string>();
    const first = flights.run('a.jpg/crop/10x10.jpg', () => old.promise);
    const joined = flights.run('a.jpg/crop/10x10.jpg', () => Promise.resolve('never runs'));
    const other = gate<string>();
    const unrelated = flights.run('b.jpg/crop/10x10.jpg', () => other.promise);

    flights.forget((key) => key.startsWith('a.jpg/'));
    expect(flights.running('a.jpg/crop/10x10.jpg')).toBeUndefined();
    expect(flights.running('b.jpg/crop/10x10.jpg')).toBeDefined();

    const fresh = flights.run('a.jpg/crop/10x10.jpg', () => Promise.resolve('new'));
    old.open('old');
    other.open('b');
    expect(await first).toEqual({ value: 'old', shared: false });
    expect(await joined).toEqual({ value: 'old', shared: true });
    expect(await fresh).toEqual({ value: 'new', shared: false });
    expect(await unrelated).toEqual({ value: 'b', shared: false });
    // The old execution settling must not remove the new one's entry (nor leave any behind).
    expect(flights.size).toBe(0);
  });
});
