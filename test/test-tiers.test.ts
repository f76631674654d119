// `npm run test:unit` promises seconds: its files may not start servers, child processes,
// nginx or PostgreSQL. This reads their import lines, so a slow test cannot creep in.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_TESTS } from '../vitest.unit.config.js';

/** What a unit test may not import: the harnesses that start processes or servers. */
const SLOW_IMPORTS =
  /from '(node:child_process|\.\.?\/(\.\.\/)*(src\/server|src\/cli)\.js|.*helpers\/(server|child-server|nginx|nginx-stack|postgres|postgres-cluster|radosgw|radosgw-cluster|browser|cli|tmpfs)\.js)'/;

/** A glob of the config (`*` within a name, `**` across folders) as a regular expression. */
function globPattern(glob: string): RegExp {
  const source = glob
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`);
}

async function unitTestFiles(): Promise<string[]> {
  const patterns = UNIT_TESTS.map(globPattern);
  const names = await readdir('test', { recursive: true });
  return names
    .map((name) => join('test', name))
    .filter((path) => patterns.some((pattern) => pattern.test(path)));
}

describe('test tiers', () => {
  it('matches globs as vitest does', () => {
    expect(globPattern('test/url/**/*.test.ts').test('test/url/a.test.ts')).toBe(true);
    expect(globPattern('test/url/**/*.test.ts').test('test/url/x/a.test.ts')).toBe(true);
    expect(globPattern('test/url/**/*.test.ts').test('test/urls/a.test.ts')).toBe(false);
  });

  it('keeps the unit tier free of servers, child processes, nginx and PostgreSQL', async () => {
    const files = await unitTestFiles();
    expect(files.length).toBeGreaterThanOrEqual(20);
    const slow: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const match = SLOW_IMPORTS.exec(text);
      if (match !== null) slow.push(`${file}: ${match[0]}`);
    }
    expect(slow).toEqual([]);
  });
});
