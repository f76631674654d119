// The mtime floor after a purge: new renditions get a later whole second than any purged
// one could have had, twice in one second included, and nothing is remembered for long.

import { describe, expect, it } from 'vitest';
import { createMtimeFloor } from '../../src/cache/mtime-floor.js';

describe('mtime floor', () => {
  it('asks for nothing when the path was never purged', () => {
    expect(createMtimeFloor().floorFor('a.jpg', 5_500)).toBeUndefined();
  });

  it('raises renditions written in the purge second to the next second', () => {
    const floors = createMtimeFloor();
    floors.purged('a.jpg', 5_500);
    expect(floors.floorFor('a.jpg', 5_900)).toBe(6_000);
    expect(floors.floorFor('b.jpg', 5_900)).toBeUndefined();
    // At 6.x the natural mtime already is 6: still asked (no harm), then forgotten after.
    expect(floors.floorFor('a.jpg', 6_100)).toBe(6_000);
    expect(floors.floorFor('a.jpg', 7_000)).toBeUndefined();
    expect(floors.size).toBe(0);
  });

  it('goes past a raised mtime when purged again within the same second', () => {
    const floors = createMtimeFloor();
    floors.purged('a.jpg', 5_100);
    // A rendition written now gets 6 s; a second replace at 5.8 s must go past that.
    floors.purged('a.jpg', 5_800);
    expect(floors.floorFor('a.jpg', 5_900)).toBe(7_000);
  });

  it('forgets old purges when new ones come', () => {
    const floors = createMtimeFloor();
    floors.purged('a.jpg', 1_000);
    floors.purged('b.jpg', 9_000);
    expect(floors.size).toBe(1);
  });
});
