// The Python example of docs/signed-urls.md, run by the real python3, signs byte for byte
// as signRenditionUrl does.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signRenditionUrl } from '../src/index.js';
import { skipWithout } from './helpers/requirement.js';

const KEY = 'k'.repeat(32);
const PYTHON = '/usr/bin/python3';

describe.skipIf(
  skipWithout(
    spawnSync(PYTHON, ['--version']).status === 0
      ? undefined
      : `${PYTHON} for the docs' Python signer`,
  ),
)('the Python example in docs/signed-urls.md', () => {
  it('signs exactly as signRenditionUrl does', () => {
    const page = readFileSync(new URL('../docs/signed-urls.md', import.meta.url), 'utf8');
    const code = /```python\n([\s\S]*?)```/.exec(page)?.[1];
    expect(code, 'a ```python block in docs/signed-urls.md').toBeDefined();
    const urls = [
      '/media/photos/cat.jpg/crop/500x300.webp',
      '/media/photos/cat.jpg/thumbnail/640x0?v=0123456789',
      '/media/%D1%84%D0%BE%D1%82%D0%BE/a+b@c.jpg/filters/blur/grayscale/crop/33x44',
    ];
    const script = `${code}\nimport sys\nfor url in sys.argv[2:]:\n    print(sign_rendition_url(url, sys.argv[1]))\n`;
    const run = spawnSync(PYTHON, ['-c', script, KEY, ...urls], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(urls.map((url) => signRenditionUrl(url, KEY)));
  });
});
