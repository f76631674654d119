// The settings table as markdown: printed by `rendition help` and kept in docs/settings.md.

import { SETTINGS } from './settings.js';

function showDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
  return value === '' ? '(empty)' : `\`${String(value)}\``;
}

/** One row per setting, plus the two that are not in the table of parsed values. */
export function formatSettingsTable(): string {
  const rows = [
    '| variable | config file key | default | meaning |',
    '|---|---|---|---|',
    ...Object.entries(SETTINGS).map(
      ([key, row]) =>
        `| \`${row.env}\` | \`${key}\` | ${showDefault(row.default)} | ${row.description} |`,
    ),
    '| `CONFIG_FILE` | | (none) | Optional JSON file: any key above, plus `keySets`. The environment wins over the file. |',
  ];
  return rows.join('\n');
}
