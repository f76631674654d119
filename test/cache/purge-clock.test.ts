import { describe, expect, it } from 'vitest';
import { createPurgeClock } from '../../src/cache/purge-clock.js';

describe('purge clock', () => {
  it('lets a render store unless its image was purged after it started', () => {
    const clock = createPurgeClock();
    clock.purged('a.jpg'); // before: irrelevant
    const ticket = clock.begin();
    expect(clock.stillWanted('a.jpg', ticket)).toBe(true);
    clock.purged('b.jpg');
    expect(clock.stillWanted('a.jpg', ticket)).toBe(true);
    expect(clock.stillWanted('b.jpg', ticket)).toBe(false);
    const later = clock.begin();
    expect(clock.stillWanted('b.jpg', later)).toBe(true);
    ticket.end();
    later.end();
  });

  it('forgets purges once no render that started before them is in flight', () => {
    const clock = createPurgeClock();
    for (let i = 0; i < 100; i += 1) clock.purged(`idle-${i}.jpg`);
    expect(clock.size).toBe(0);
    const first = clock.begin();
    clock.purged('x.jpg');
    const second = clock.begin();
    clock.purged('y.jpg');
    expect(clock.size).toBe(2);
    first.end(); // nothing older than `second` remains: x.jpg's purge no longer matters
    expect(clock.stillWanted('y.jpg', second)).toBe(false);
    second.end();
    expect(clock.size).toBe(0);
  });
});
