import { describe, expect, it } from 'vitest';
import { etagFor, evaluateConditions, lastModifiedFor } from '../../src/cache/validators.js';

const MTIME = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const ETAG = etagFor(MTIME, 4096);
const AT = lastModifiedFor(MTIME);
const BEFORE = 'Thu, 01 Jan 2026 00:00:00 GMT';
const AFTER = 'Fri, 01 Jan 2100 00:00:00 GMT';

describe('validators in nginx format', () => {
  it('writes ETag as "<mtime seconds hex>-<size hex>" and a whole-second Last-Modified', () => {
    expect(ETAG).toBe(`"${Math.floor(MTIME / 1000).toString(16)}-1000"`);
    expect(AT).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  it.each([
    [{}, 'send'],
    [{ ifNoneMatch: ETAG }, 'not-modified'],
    [{ ifNoneMatch: `W/${ETAG}` }, 'not-modified'],
    [{ ifNoneMatch: `"a", ${ETAG}` }, 'not-modified'],
    [{ ifNoneMatch: '*' }, 'not-modified'],
    [{ ifNoneMatch: 'W/"a", *' }, 'send'],
    [{ ifNoneMatch: '"a"' }, 'send'],
    [{ ifModifiedSince: AT }, 'not-modified'],
    [{ ifModifiedSince: AFTER }, 'not-modified'],
    [{ ifModifiedSince: BEFORE }, 'send'],
    [{ ifModifiedSince: 'garbage' }, 'send'],
    [{ ifNoneMatch: ETAG, ifModifiedSince: BEFORE }, 'send'],
    [{ ifNoneMatch: '"a"', ifModifiedSince: AT }, 'send'],
    [{ ifMatch: ETAG }, 'send'],
    [{ ifMatch: '*' }, 'send'],
    [{ ifMatch: `W/${ETAG}` }, 'precondition-failed'],
    [{ ifMatch: '"a"' }, 'precondition-failed'],
    [{ ifUnmodifiedSince: AT }, 'send'],
    [{ ifUnmodifiedSince: BEFORE }, 'precondition-failed'],
    [{ ifMatch: '"a"', ifNoneMatch: ETAG }, 'precondition-failed'],
  ])('%j -> %s', (conditions, expected) => {
    expect(evaluateConditions(conditions, ETAG, MTIME)).toBe(expected);
  });
});
