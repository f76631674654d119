// HEIF test originals: AV1-coded from sharp, HEVC-coded (an iPhone's HEIC) from Debian's
// heif-enc (libheif-examples, with x265), which sharp cannot write.

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegImage } from './images.js';

const HEIF_ENC = '/usr/bin/heif-enc';

/** What is missing to write an HEVC HEIC here, or undefined when heif-enc is there. */
export function heifEncMissing(): string | undefined {
  try {
    execFileSync(HEIF_ENC, ['--list-encoders'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `writing an HEVC HEIC needs ${HEIF_ENC} from Debian's libheif-examples (apt-get install -y libheif-examples)`;
  }
}

/** An HEVC-coded HEIC of the red|blue test picture, as an iPhone writes one. */
export async function hevcHeic(width: number, height: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-heic-'));
  try {
    await writeFile(join(dir, 'in.jpg'), await jpegImage(width, height));
    execFileSync(HEIF_ENC, ['-q', '80', '-o', join(dir, 'out.heic'), join(dir, 'in.jpg')], {
      stdio: 'ignore',
    });
    return await readFile(join(dir, 'out.heic'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An AV1-coded HEIF (what sharp's `heif({ compression: 'av1' })` writes). */
export async function av1Heif(width: number, height: number): Promise<Buffer> {
  return sharp(await jpegImage(width, height))
    .heif({ compression: 'av1', quality: 80 })
    .toBuffer();
}
