// `npm run docs`: writes the generated tables (scripts/docs-tables.ts) into their pages.

import { readFile, writeFile } from 'node:fs/promises';
import { generatedTables, withTable } from './docs-tables.js';

const changed: string[] = [];
for (const { page, name, table } of generatedTables()) {
  const text = await readFile(page, 'utf8');
  const updated = withTable(text, name, table);
  if (updated !== text) {
    await writeFile(page, updated);
    changed.push(`${page} (${name})`);
  }
}
console.log(changed.length === 0 ? 'docs: up to date' : `docs: wrote ${changed.join(', ')}`);
