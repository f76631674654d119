// Hostile inputs for an image server, made in the test (never committed): decompression
// bombs, truncated and bit-flipped files, polyglots, SVG attacks, formats refused by default.

import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32, jpegImage, pngImage, RED, webpImage } from './images.js';

/** A seeded PRNG (mulberry32): the same seed gives the same sequence, so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` single-bit flips at seeded positions in the bytes from `from` on. */
export function bitFlipped(bytes: Uint8Array, seed: number, count: number, from: number): Buffer {
  const out = Buffer.from(bytes);
  const random = seededRandom(seed);
  for (let i = 0; i < count; i += 1) {
    const at = from + Math.floor(random() * (out.length - from));
    out[at] = (out[at] ?? 0) ^ (1 << Math.floor(random() * 8));
  }
  return out;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/**
 * A real decompression bomb: a whole, valid 1-bit PNG of `width` x `height` (all black) whose
 * pixel data deflates ~1000:1 (20000x20000, 400 MP, is about 50 kB).
 */
export function solidPngBomb(width = 20_000, height = 20_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small valid PNG carrying a zTXt chunk that inflates to `inflated` bytes: a metadata bomb. */
export async function pngWithTextBomb(inflated = 200_000_000): Promise<Buffer> {
  const png = await pngImage(60, 40);
  const text = pngChunk(
    'zTXt',
    Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(inflated))]),
  );
  // After the signature (8) and IHDR (25).
  return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
}

/** A real JPEG whose SOF header claims `width` x `height`: a header-only bomb. */
export async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await jpegImage(120, 80));
  let sof = -1;
  for (const marker of [0xc0, 0xc2]) {
    sof = jpeg.indexOf(Buffer.from([0xff, marker]));
    if (sof !== -1) break;
  }
  if (sof === -1) throw new Error('no SOF marker in the generated JPEG');
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

/** A real lossy WebP whose VP8 frame header claims `width` x `height` (at most 16383 each). */
export async function webpClaiming(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await webpImage(120, 80));
  const start = webp.indexOf(Buffer.from([0x9d, 0x01, 0x2a]));
  if (start === -1) throw new Error('no VP8 start code in the generated WebP');
  webp.writeUInt16LE(width & 0x3fff, start + 3);
  webp.writeUInt16LE(height & 0x3fff, start + 5);
  return webp;
}

/** A noisy GIF (noise so the LZW data is not trivially repetitive). */
export function noiseGif(width = 60, height = 40): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: RED,
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .gif()
    .toBuffer();
}

/** Offset of the first image descriptor (0x2C) of a GIF, after its header and colour table. */
function gifImageDescriptor(gif: Uint8Array): number {
  const flags = gif[10] ?? 0;
  const table = flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0;
  const at = Buffer.from(gif).indexOf(0x2c, 13 + table);
  if (at === -1) throw new Error('no image descriptor in the generated GIF');
  return at;
}

/**
 * A GIF with one bit flipped in its LZW minimum code size (8 -> 24): every decoder must give
 * up on the frame. (Flips inside LZW data mostly decode, as garbage pixels, so they prove little.)
 */
export async function bitFlippedGif(): Promise<Buffer> {
  const gif = Buffer.from(await noiseGif());
  const lzwMinimum = gifImageDescriptor(gif) + 10;
  gif[lzwMinimum] = (gif[lzwMinimum] ?? 0) ^ 0x10;
  return gif;
}

/** A 3-frame animated GIF of 40x30 frames: red, then blue, then green. */
export async function animatedGif(): Promise<Buffer> {
  const width = 40;
  const frame = 30;
  const strip = await sharp({ create: { width, height: frame * 3, channels: 3, background: RED } })
    .composite([
      {
        input: { create: { width, height: frame, channels: 3, background: '#1414dc' } },
        top: frame,
        left: 0,
      },
      {
        input: { create: { width, height: frame, channels: 3, background: '#14c814' } },
        top: frame * 2,
        left: 0,
      },
    ])
    .removeAlpha()
    .raw()
    .toBuffer();
  return sharp(strip, { raw: { width, height: frame * 3, channels: 3, pageHeight: frame } })
    .gif({ delay: [100, 100, 100], loop: 0 })
    .toBuffer();
}

/** A valid GIF whose comment extension is an HTML page with a script: a GIF/HTML polyglot. */
export async function gifHtmlPolyglot(): Promise<Buffer> {
  const gif = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: RED } })
      .gif()
      .toBuffer(),
  );
  const html = Buffer.from('<html><body><script>alert(document.domain)</script></body></html>');
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe, html.length]), html, Buffer.from([0])]);
  const at = gifImageDescriptor(gif);
  // Before any graphic control extension that precedes the image descriptor.
  const gce = gif.lastIndexOf(Buffer.from([0x21, 0xf9]), at);
  const insertAt = gce === -1 ? at : gce;
  return Buffer.concat([gif.subarray(0, insertAt), comment, gif.subarray(insertAt)]);
}

/** The smallest valid ZIP archive (an end-of-central-directory record). */
export const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);

/** A PHP web shell, as appended to images to sneak code onto servers. */
export const PHP_SHELL = Buffer.from('<?php system($_GET["cmd"]); ?>\n');

/** SVG documents that attack an SVG renderer: refused, because SVG is not an input format. */
export const HOSTILE_SVGS = {
  script:
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><rect width="100" height="100" fill="red"/></svg>',
  entities:
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&d;</text></svg>',
  xinclude:
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude" width="10" height="10"><text><xi:include href="/etc/passwd" parse="text"/></text></svg>',
  externalEntity:
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
} as const;

/** A 2x2 24-bit BMP. */
export function bmpImage(): Buffer {
  const rowBytes = 8;
  const bmp = Buffer.alloc(54 + rowBytes * 2, 0x80);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(0, 6);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(2, 18);
  bmp.writeInt32LE(2, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(0, 30);
  bmp.writeUInt32LE(rowBytes * 2, 34);
  bmp.fill(0, 38, 54);
  return bmp;
}

/** A 2x2 RGB Photoshop document (raw image data, no layers). */
export function psdImage(): Buffer {
  const psd = Buffer.alloc(26 + 4 + 4 + 4 + 2 + 2 * 2 * 3, 0);
  psd.write('8BPS', 0, 'latin1');
  psd.writeUInt16BE(1, 4); // version
  psd.writeUInt16BE(3, 12); // channels
  psd.writeUInt32BE(2, 14); // height
  psd.writeUInt32BE(2, 18); // width
  psd.writeUInt16BE(8, 22); // depth
  psd.writeUInt16BE(3, 24); // RGB
  return psd;
}

/** A one-page PDF. */
export const PDF_DOCUMENT = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** A TIFF (sharp writes it; reading it back is what is refused). */
export async function tiffImage(): Promise<Buffer> {
  return sharp(await jpegImage(60, 40))
    .tiff()
    .toBuffer();
}

/** A few KB of bytes that look like a Linux executable. */
export function elfBytes(): Buffer {
  const random = seededRandom(7);
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(bytes);
  return bytes;
}
