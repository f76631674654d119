// Keeps the layering honest by reading import lines: libraries stay in the layer that owns them,
// and dependencies point down (url <- render <- cache <- originals, media <- services <- http).

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface SourceFile {
  readonly path: string;
  readonly imports: readonly string[];
  readonly text: string;
}

async function sources(): Promise<SourceFile[]> {
  const names = (await readdir('src', { recursive: true })).filter((name) => name.endsWith('.ts'));
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join('src', name), 'utf8');
      const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map(
        (match) => match[1] ?? '',
      );
      return { path: name, imports, text };
    }),
  );
}

const LIBRARY_OWNERS: Record<string, RegExp> = {
  sharp: /^render\//,
  hono: /^http\//,
  '@hono/node-server': /^server\.ts$/,
  'lru-cache': /^(cache|services)\//,
  lowdb: /^registry\//,
  // The PostgreSQL client: the registry, the change log and the jobs table live behind it.
  pg: /^registry\//,
  // Placeholders are made next to the decode that feeds them.
  thumbhash: /^render\//,
  // Schemas validate settings and admin request bodies, at those two edges only.
  zod: /^(config|http)\//,
  // Services and routes report through plain interfaces; the composition root wires them.
  'prom-client': /^metrics\//,
  pino: /^log\//,
  '@hono/zod-openapi': /^http\//,
  // The S3 API: only the originals store speaks it.
  '@aws-sdk/client-s3': /^originals\//,
  '@aws-sdk/lib-storage': /^originals\//,
  '@aws-sdk/s3-request-presigner': /^originals\//,
};

// Each layer may import only the layers listed after it.
const LAYERS = [
  'cli.ts|commands|server.ts',
  'metrics|log',
  'http',
  'nginx',
  'services',
  'registry',
  'originals|fetch|cdn',
  'cache',
  'render',
  'fs',
  'config',
  'url',
  'errors.ts',
];

function layerOf(path: string): number {
  return LAYERS.findIndex((layer) =>
    layer.split('|').some((name) => path === name || path.startsWith(`${name}/`)),
  );
}

describe('architecture', () => {
  it('keeps each library inside the layer that owns it', async () => {
    const misplaced: string[] = [];
    for (const file of await sources()) {
      for (const specifier of file.imports) {
        const owner = LIBRARY_OWNERS[specifier];
        if (owner !== undefined && !owner.test(file.path))
          misplaced.push(`${file.path} imports ${specifier}`);
      }
    }
    expect(misplaced).toEqual([]);
  });

  it('reads process.env only in the CLI composition root', async () => {
    const readers = (await sources())
      .filter((file) => /process\.env/.test(file.text))
      .map((file) => file.path);
    expect(readers).toEqual(['cli.ts']);
  });

  it('points dependencies down the layers', async () => {
    const upward: string[] = [];
    for (const file of await sources()) {
      const from = layerOf(file.path);
      for (const specifier of file.imports.filter((s) => s.startsWith('.'))) {
        const target = join(file.path, '..', specifier).replace(/\.js$/, '.ts');
        const to = layerOf(target);
        if (to !== from && to < from) upward.push(`${file.path} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
