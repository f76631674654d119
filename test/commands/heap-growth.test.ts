// `rendition serve` sets V8's heap growth (docs/performance.md, B12) unless the operator did.

import { describe, expect, it } from 'vitest';
import { shouldSetHeapGrowth } from '../../src/commands/heap-growth.js';

describe('heap growth', () => {
  it('is set unless node was given the flag on its command line or in NODE_OPTIONS', () => {
    expect(shouldSetHeapGrowth([], '')).toBe(true);
    expect(shouldSetHeapGrowth(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
    expect(shouldSetHeapGrowth(['--heap-growing-percent=50'], '')).toBe(false);
    expect(shouldSetHeapGrowth([], '--max-old-space-size=512 --heap-growing-percent=100')).toBe(
      false,
    );
    // Another flag that only starts the same way is not it.
    expect(shouldSetHeapGrowth(['--heap-growing-percentage=1'], '')).toBe(true);
  });
});
