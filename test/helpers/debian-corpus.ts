// Real corrupt and hostile image samples from Debian: the crash reproducers and fuzz cases
// that gdk-pixbuf, librsvg and checkit-tiff ship as test data. Downloaded once with
// `apt-get download` into a cache under os.tmpdir() and unpacked with `dpkg-deb -x`.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CORPUS_PACKAGES = ['gdk-pixbuf-tests', 'librsvg2-tests', 'checkit-tiff'] as const;

const CACHE_DIR = join(tmpdir(), 'rendition-debian-corpus-v1');
const GDK = 'usr/libexec/installed-tests/gdk-pixbuf/test-images';
const RSVG = 'usr/libexec/installed-tests/RSVG/fixtures';
const TIFF = 'usr/share/checkit_tiff';

export interface Corpus {
  /** Where the packages are unpacked. */
  readonly root: string;
  /** Every file of gdk-pixbuf-tests' test-images/fail: images its loaders must refuse. */
  readonly gdkFail: readonly string[];
  /** gdk-pixbuf-tests' fuzzed (randomly-modified) images. */
  readonly gdkFuzzed: readonly string[];
  /** gdk-pixbuf-tests' GIF conformance suite (valid and invalid GIFs). */
  readonly gifSuite: readonly string[];
  /** librsvg's crash reproducers and error cases (SVG, SVGZ and a few TIFFs). */
  readonly rsvg: readonly string[];
  /** checkit-tiff's TIFFs that must fail validation. */
  readonly tiffFail: readonly string[];
}

export type CorpusResult = { corpus: Corpus } | { unavailable: string };

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((file) => statSync(file).isFile())
    .sort();
}

function run(command: string, args: readonly string[], cwd?: string): string | undefined {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error !== undefined) return `${command}: ${result.error.message}`;
  if (result.status !== 0) return `${command} ${args.join(' ')}: ${result.stderr.trim()}`;
  return undefined;
}

/**
 * Downloads and unpacks the corpus packages (once; later calls reuse the cache). Answers
 * `unavailable` with the reason when apt-get or dpkg-deb cannot be used here.
 */
export async function prepareCorpus(): Promise<CorpusResult> {
  const root = join(CACHE_DIR, 'unpacked');
  if (!existsSync(join(root, '.complete'))) {
    for (const tool of ['apt-get', 'dpkg-deb']) {
      const missing = run(tool, ['--version']);
      if (missing !== undefined) return { unavailable: `${tool} is not usable: ${missing}` };
    }
    const work = join(CACHE_DIR, `work-${process.pid}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(join(work, 'debs'), { recursive: true });
    let failure = run('apt-get', ['download', ...CORPUS_PACKAGES], join(work, 'debs'));
    // A bare machine may have no package lists yet: refresh them (root only) and retry.
    if (failure !== undefined && process.getuid?.() === 0) {
      const updated = run('apt-get', ['update', '-qq']);
      failure = updated ?? run('apt-get', ['download', ...CORPUS_PACKAGES], join(work, 'debs'));
    }
    if (failure !== undefined) {
      await rm(work, { recursive: true, force: true });
      return { unavailable: failure };
    }
    for (const deb of readdirSync(join(work, 'debs')).filter((name) => name.endsWith('.deb'))) {
      const unpacked = run('dpkg-deb', ['-x', join(work, 'debs', deb), join(work, 'unpacked')]);
      if (unpacked !== undefined) {
        await rm(work, { recursive: true, force: true });
        return { unavailable: unpacked };
      }
    }
    await writeFile(join(work, 'unpacked', '.complete'), '');
    await rm(root, { recursive: true, force: true });
    await rename(join(work, 'unpacked'), root).catch(async (error: NodeJS.ErrnoException) => {
      // Another process unpacked it first: use theirs.
      if (!existsSync(join(root, '.complete'))) throw error;
    });
    await rm(work, { recursive: true, force: true });
  }
  const corpus: Corpus = {
    root,
    gdkFail: filesUnder(join(root, GDK, 'fail')),
    gdkFuzzed: filesUnder(join(root, GDK, 'randomly-modified')),
    gifSuite: filesUnder(join(root, GDK, 'gif-test-suite')),
    rsvg: [...filesUnder(join(root, RSVG, 'crash')), ...filesUnder(join(root, RSVG, 'errors'))],
    tiffFail: filesUnder(join(root, TIFF, 'tiffs_should_fail')),
  };
  if (corpus.gdkFail.length === 0) {
    return { unavailable: `gdk-pixbuf-tests unpacked without ${GDK}/fail under ${root}` };
  }
  return { corpus };
}

/** Every `step`-th item, starting at `offset`: a deterministic sample. */
export function sample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)] as T);
}
