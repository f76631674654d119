// CONTRIBUTING.md is the one description of the code layout: it names every folder of src/.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const page = readFileSync('CONTRIBUTING.md', 'utf8');
const layout = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(page)?.[1] ?? '';

describe('CONTRIBUTING.md layout', () => {
  it('names every folder and top-level module of src/', () => {
    expect(layout).toContain('errors.ts');
    const entries = readdirSync('src', { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? `${entry.name}/` : entry.name,
    );
    const missing = entries.filter(
      (name) =>
        name !== 'index.ts' &&
        !new RegExp(`(^|\\s|,)${name.replace('.', '\\.')}`, 'm').test(layout),
    );
    expect(missing).toEqual([]);
  });

  it('is the only place that lays the code out', () => {
    for (const other of ['README.md', 'docs/architecture.md']) {
      expect(readFileSync(other, 'utf8'), other).not.toMatch(/^(http|render|services)\/\s{2,}/m);
    }
  });
});
