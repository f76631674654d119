// The local originals store (MEDIA_ROOT) on real files in a temp dir.

import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { createLocalOriginals } from '../../src/originals/local-originals.js';
import { describeOriginalsContract } from './originals-contract.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describeOriginalsContract('local', () => {
  let root = '';
  return {
    async open() {
      const dir = await realpath(await mkdtemp(join(tmpdir(), 'rendition-originals-')));
      dirs.push(dir);
      root = join(dir, 'media');
      await mkdir(root);
      return createLocalOriginals(root);
    },
    async writeBehind(path, bytes) {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
    },
  };
});
