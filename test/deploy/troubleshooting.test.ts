// docs/troubleshooting.md names status codes and error codes together (`404
// ORIGINAL_NOT_FOUND`): each pair must be what src/errors.ts answers, and the errors a new
// installation meets first must all be there.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../../src/errors.js';

const section = await readFile('docs/troubleshooting.md', 'utf8');

describe('docs/troubleshooting.md', () => {
  const pairs = [...section.matchAll(/\b([1-5][0-9]{2})\s+([A-Z][A-Z_]{3,})\b/g)].map(
    ([, status, code]) => ({ status: Number(status), code: code ?? '' }),
  );

  it('pairs every error code with the status src/errors.ts gives it', () => {
    expect(pairs.length).toBeGreaterThan(10);
    for (const { status, code } of pairs) {
      expect(code in ERROR_STATUS, `${code} is not an error code`).toBe(true);
      expect(`${ERROR_STATUS[code as ErrorCode]} ${code}`).toBe(`${status} ${code}`);
    }
  });

  it('covers the errors a new installation meets first', () => {
    const codes = new Set(pairs.map((pair) => pair.code));
    for (const code of [
      'UNAUTHORIZED',
      'ORIGINAL_NOT_FOUND',
      'SIZE_NOT_ALLOWED',
      'SOURCE_TOO_LARGE',
      'IMAGE_TOO_LARGE',
      'OVERLOADED',
      'INSUFFICIENT_STORAGE',
    ] as const) {
      expect(codes).toContain(code);
    }
    expect(section).toContain('nginx answers `502 UPSTREAM_UNAVAILABLE`');
    expect(section).toMatch(/Permission errors on the roots/);
    expect(section).toMatch(/overwriting an original in place/);
  });
});
