// Every relative link and #anchor in README.md and docs/*.md resolves: a page that moved or a
// heading that was renamed fails here instead of sending a reader to nothing.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks (headings), and outside inline code too (links). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

function linksOf(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(
    (match) => match[1] ?? '',
  );
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('docs links', () => {
  it('reads every page and finds links in them', () => {
    expect(PAGES).toContain('docs/urls.md');
    expect(linksOf(readFileSync(join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(5);
  });

  it('derives GitHub anchors from headings', () => {
    const anchors = anchorsOf(
      '# Nginx in front\n## `CACHE_ROOT` layout\n## A, b & c?\n## A, b & c?\n',
    );
    expect([...anchors]).toEqual(['nginx-in-front', 'cache_root-layout', 'a-b--c', 'a-b--c-1']);
  });

  it.each(PAGES)('%s: every relative link and anchor resolves', (page) => {
    const broken: string[] = [];
    for (const target of linksOf(readFileSync(join(ROOT, page), 'utf8'))) {
      const [file = '', anchor] = target.split('#');
      const path = file === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURI(file));
      if (!existsSync(path)) {
        broken.push(`${target} (no file ${relative(ROOT, path)})`);
        continue;
      }
      if (anchor !== undefined && path.endsWith('.md')) {
        if (!anchorsOf(readFileSync(path, 'utf8')).has(decodeURIComponent(anchor))) {
          broken.push(`${target} (no heading for #${anchor} in ${relative(ROOT, path)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('resolves every docs/<page>.md#anchor that src/ and the pages name in plain text', () => {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `src/${name}`);
    const broken: string[] = [];
    for (const file of [...sources, ...PAGES]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, page = '', anchor] of text.matchAll(/\bdocs\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
        const path = join(ROOT, 'docs', page);
        if (!existsSync(path)) broken.push(`${file}: docs/${page} (no such page)`);
        else if (anchor !== undefined && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) {
          broken.push(`${file}: docs/${page}#${anchor} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
