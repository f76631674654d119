// Bench inputs, built once into a scratch dir outside the repo (never committed): real
// photographs from Debian's plasma-workspace-wallpapers (GPL-2+), a 4000x3000 q90 mosaic
// of four, a noise JPEG (worst case), a 10k x 10k JPEG (refused), a tiny upload.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const PACKAGE = 'plasma-workspace-wallpapers';
/** Photographs (not paintings or renders) shipped at 2560x1600. */
const PHOTOS = [
  'BytheWater',
  'ColdRipple',
  'ColorfulCups',
  'DarkestHour',
  'EveningGlow',
  'FallenLeaf',
  'Kite',
  'OneStandsOut',
  'Path',
  'summer_1am',
] as const;
const MOSAIC_OF = ['EveningGlow', 'FallenLeaf', 'OneStandsOut', 'Path'] as const;

export interface Inputs {
  readonly dir: string;
  /** 4000x3000 q90 JPEG, a 2x2 mosaic of four photos. */
  readonly mosaic: string;
  /** 4000x3000 q90 JPEG of Gaussian noise: the worst case for the codecs. */
  readonly noise: string;
  /** 10000x10000 JPEG: more pixels than MAX_INPUT_PIXELS allows. */
  readonly huge: string;
  /** A 64x48 JPEG for registration uploads. */
  readonly tiny: string;
  /** The 2560x1600 photographs. */
  readonly photos: readonly string[];
}

export async function prepareInputs(log: (line: string) => void): Promise<Inputs> {
  const dir = join(tmpdir(), 'rendition-bench-inputs');
  await mkdir(dir, { recursive: true });
  const wallpapers = join(dir, 'wallpapers', 'usr', 'share', 'wallpapers');
  if (!existsSync(join(wallpapers, MOSAIC_OF[0]))) await unpackWallpapers(dir, log);
  const photos = PHOTOS.map((name) =>
    join(wallpapers, name, 'contents', 'images', '2560x1600.jpg'),
  );
  const missing = photos.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`${PACKAGE} lacks ${missing.join(', ')}`);

  const inputs: Inputs = {
    dir,
    mosaic: join(dir, 'mosaic-4000x3000-q90.jpg'),
    noise: join(dir, 'noise-4000x3000-q90.jpg'),
    huge: join(dir, 'huge-10000x10000.jpg'),
    tiny: join(dir, 'tiny-64x48.jpg'),
    photos,
  };
  sharp.cache(false);
  await once(inputs.mosaic, log, async (out) => {
    const tiles = await Promise.all(
      MOSAIC_OF.map((name) =>
        sharp(join(wallpapers, name, 'contents', 'images', '2560x1600.jpg'))
          .resize(2000, 1500, { fit: 'cover' })
          .toBuffer(),
      ),
    );
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#000' } })
      .composite(tiles.map((input, i) => ({ input, left: (i % 2) * 2000, top: (i >> 1) * 1500 })))
      .jpeg({ quality: 90 })
      .toFile(out);
  });
  await once(inputs.noise, log, (out) =>
    sharp({
      create: {
        width: 4000,
        height: 3000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 64 },
      },
    })
      .jpeg({ quality: 90 })
      .toFile(out)
      .then(() => undefined),
  );
  await once(inputs.huge, log, (out) =>
    sharp(inputs.mosaic)
      .resize(10_000, 10_000, { fit: 'fill' })
      .jpeg({ quality: 80 })
      .toFile(out)
      .then(() => undefined),
  );
  await once(inputs.tiny, log, (out) =>
    sharp(inputs.mosaic)
      .resize(64, 48)
      .jpeg({ quality: 80 })
      .toFile(out)
      .then(() => undefined),
  );
  return inputs;
}

/** `apt-get download` + `dpkg-deb -x`: no install, nothing outside the scratch dir. */
async function unpackWallpapers(dir: string, log: (line: string) => void): Promise<void> {
  log(`fetching ${PACKAGE} (real photographs, GPL-2+) into ${dir}`);
  const download = join(dir, 'download');
  await rm(download, { recursive: true, force: true });
  await mkdir(download, { recursive: true });
  try {
    execFileSync('apt-get', ['download', PACKAGE], { cwd: download, stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `\`apt-get download ${PACKAGE}\` failed (${(error as Error).message.split('\n')[0]}).\n` +
        `Run \`apt-get update\` (as root) and retry, or unpack the package yourself:\n` +
        `  cd ${download} && apt-get download ${PACKAGE} && dpkg-deb -x *.deb ${join(dir, 'wallpapers')}`,
    );
  }
  const deb = (await readdir(download)).find((name) => name.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download left no .deb in ${download}`);
  execFileSync('dpkg-deb', ['-x', join(download, deb), join(dir, 'wallpapers')]);
  await rm(download, { recursive: true, force: true });
}

/** Builds `file` unless it exists; writes to a temp name first so a crash leaves nothing. */
async function once(
  file: string,
  log: (line: string) => void,
  build: (out: string) => Promise<unknown>,
): Promise<void> {
  if (existsSync(file)) return;
  log(`building ${file}`);
  const temp = `${file}.tmp.jpg`;
  await build(temp);
  await rename(temp, file);
}
