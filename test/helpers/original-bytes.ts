// The bytes of an opened or served original, whichever form the store gave them in.

import { readFile } from 'node:fs/promises';
import type { ServedOriginal } from '../../src/originals/originals-store.js';
import type { ImageInput } from '../../src/render/image-input.js';

/** A file's contents, or the bytes themselves. */
export async function inputBytes(input: ImageInput): Promise<Buffer> {
  return typeof input === 'string' ? await readFile(input) : input;
}

/** The body of a served original (its handle is closed). */
export async function servedBytes(served: ServedOriginal): Promise<Buffer> {
  if (served.kind !== 'body') throw new Error(`expected a body, got a ${served.kind}`);
  const { body } = served;
  if (body.kind === 'buffer') return body.buffer;
  try {
    return await body.handle.readFile();
  } finally {
    await body.handle.close();
  }
}
