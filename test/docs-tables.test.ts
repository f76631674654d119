// The tables generated from the code's tables (scripts/docs-tables.ts) are what the checked-in
// pages hold: a setting or an error code changed without `npm run docs` fails here.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatErrorTable, generatedTables, markersOf, withTable } from '../scripts/docs-tables.js';
import { ERRORS, type ErrorInfo } from '../src/errors.js';

describe('generated docs tables', () => {
  it.each(generatedTables())('$page holds the current $name', ({ page, name, table }) => {
    const text = readFileSync(page, 'utf8');
    const { start, end } = markersOf(name);
    expect(text, `${page} lost its ${start} ... ${end} markers`).toContain(start);
    expect(text, `${page} lost its ${start} ... ${end} markers`).toContain(end);
    const current = withTable(text, name, table) === text;
    expect(current, `${page} is out of date: run \`npm run docs\``).toBe(true);
  });

  it('puts a table between the markers, replacing what was there', () => {
    const page = 'intro\n<!-- t:start -->\nold\n<!-- t:end -->\noutro\n';
    const once = withTable(page, 't', '| a |');
    expect(once).toMatch(
      /^intro\n<!-- t:start -->\n<!--.*-->\n\n\| a \|\n\n<!-- t:end -->\noutro\n$/,
    );
    expect(withTable(once, 't', '| a |')).toBe(once);
    expect(() => withTable('no markers', 't', '| a |')).toThrow(/Expected <!-- t:start -->/);
  });

  it('lists every error code once, with its status and default headers', () => {
    const table = formatErrorTable();
    for (const [code, info] of Object.entries(ERRORS) as [string, ErrorInfo][]) {
      const rows = table.split('\n').filter((line) => line.includes(`| \`${code}\` |`));
      expect(rows, code).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^\\| ${info.status} \\|`));
      for (const [header, value] of Object.entries(info.headers ?? {})) {
        expect(rows[0]).toContain(`\`${header}: ${value}\``);
      }
    }
    const media = formatErrorTable('media');
    expect(media).toContain('`SIZE_NOT_ALLOWED`');
    expect(media).not.toContain('`CONFLICT`');
  });
});
