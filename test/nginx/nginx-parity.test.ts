// A real nginx, configured by the shipped template through renderNginxConfig, in front of
// the real server: misses reach Node and land where the cache layout says, hits are plain
// files nginx serves without Node, and every URL answers the same from nginx as from Node.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheCandidatesFor } from '../../src/cache/layout.js';
import { decodeMediaPath } from '../../src/url/media-path.js';
import { chooseFormat } from '../../src/url/negotiate.js';
import type { RenditionSpec } from '../../src/url/rendition-spec.js';
import { encodePathSegment, parseMediaTarget } from '../../src/url/rendition-url.js';
import { errorOf, type RawRequest, type RawResponse, rawRequest } from '../helpers/http.js';
import {
  inspect,
  jpegImage,
  pngImage,
  pngWithAlpha,
  watermarkPng,
  webpImage,
} from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import type { TestServer } from '../helpers/server.js';
import { GOLDEN_URLS } from '../url/golden-urls.js';

// Throws when CI is set and nginx is missing: CI never passes by skipping these.
const skip = skipWithoutNginx();

const AVIF_WEBP_ANY = 'image/avif,image/webp,*/*';
const WEBP_ANY = 'image/webp,*/*';
const ANY = '*/*';
/** Sizes of the golden URLs and a zero side, besides the default key sets' 180, 220, 320. */
const ALLOWED_SIZES = '100x50,0x200,180x0,0x100';

type Reply = RawResponse;
type RequestOptions = RawRequest;

/** One request on a fresh connection; `path` is sent exactly as given (no normalisation). */
const send = (port: number, path: string, options: RequestOptions = {}): Promise<Reply> =>
  rawRequest(`http://127.0.0.1:${port}`, path, options);

const acceptHeader = (accept: string | undefined): Record<string, string> =>
  accept === undefined ? {} : { Accept: accept };

/** `/media/<segments, percent-encoded>`: what a template would put in an `<img src>`. */
const mediaUrl = (decoded: string): string =>
  `/media/${decoded.split('/').map(encodePathSegment).join('/')}`;

/** The headers a client (or a CDN) acts on, compared between Node and nginx. */
const PARITY_HEADERS = [
  'content-type',
  'content-length',
  'vary',
  'etag',
  'last-modified',
  'cache-control',
  'x-content-type-options',
] as const;

const ERROR_PARITY_HEADERS = ['content-type', 'cache-control', 'vary'] as const;

function pick(headers: Reply['headers'], names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, headers[name]]));
}

type Stack = NginxStack;

// The golden table's watermark rows need one: a generated PNG, outside every root.
let markDir: string | undefined;
async function markFile(): Promise<string> {
  markDir ??= await mkdtemp(join(tmpdir(), 'rendition-parity-mark-'));
  const file = join(markDir, 'mark.png');
  if (!existsSync(file)) await writeFile(file, await watermarkPng());
  return file;
}
afterAll(async () => {
  if (markDir !== undefined) await rm(markDir, { recursive: true, force: true });
});

async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  return startNginxStack({ ALLOWED_SIZES, WATERMARK_IMAGE: await markFile(), ...env });
}

const disposeStack = disposeNginxStack;

/** Originals of every supported type, plus a nested and a UTF-8 path. */
async function putOriginals(server: TestServer): Promise<Record<string, Buffer>> {
  const originals: Record<string, Buffer> = {
    'a.jpg': await jpegImage(400, 300),
    'p.png': await pngImage(400, 300),
    'alpha.png': await pngWithAlpha(300, 400),
    'w.webp': await webpImage(400, 300),
    'sub/dir/n.jpg': await jpegImage(300, 300),
    'photos/été+1@2x.jpg': await jpegImage(320, 240),
  };
  for (const [path, bytes] of Object.entries(originals)) await server.putOriginal(path, bytes);
  return originals;
}

/** The cache files the layout says a request may be answered from. */
function layoutCandidates(server: TestServer, url: string, accept: string | undefined): string[] {
  const target = parseMediaTarget(decodeMediaPath(url.slice('/media/'.length)));
  if (target.kind !== 'rendition') throw new Error(`${url} is not a rendition`);
  const spec: RenditionSpec = target.spec;
  const choice = chooseFormat(spec.format, accept, server.config.negotiation.preferred);
  return cacheCandidatesFor(spec, choice);
}

const FORMAT_OF_TYPE: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

describe.skipIf(skip)('nginx: a miss is proxied to Node, rendered and cached', () => {
  let stack: Stack | undefined;
  const s = (): Stack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };

  beforeAll(async () => {
    stack = await startStack();
    await putOriginals(stack.server);
    // The golden table's originals: one mapping for the spec, layout and nginx tests.
    for (const { spec } of GOLDEN_URLS) {
      const bytes = spec.path.endsWith('.png')
        ? await pngImage(300, 200)
        : await jpegImage(300, 200);
      if (!existsSync(join(stack.server.config.roots.mediaRoot, spec.path))) {
        await stack.server.putOriginal(spec.path, bytes);
      }
    }
  });
  afterAll(() => disposeStack(stack));

  it('proxies to the port the Node server bound, not config.server.port', () => {
    const { server, nginx } = s();
    expect(server.config.server.port).toBe(0);
    expect(nginx.siteConfig).toContain(`server 127.0.0.1:${server.port};`);
    expect(nginx.siteConfig).toContain(`root "${server.config.roots.cacheRoot}";`);
  });

  it.each([
    {
      url: '/media/a.jpg/thumbnail/180x180',
      accept: 'image/avif',
      file: 'a.jpg/thumbnail/180x180.avif',
      type: 'image/avif',
    },
    {
      url: '/media/a.jpg/thumbnail/180x180',
      accept: 'text/html,*/*;q=0.8',
      file: 'a.jpg/thumbnail/180x180.fallback.jpg',
      type: 'image/jpeg',
    },
    {
      url: '/media/a.jpg/crop/320x320.webp',
      accept: 'image/avif',
      file: 'a.jpg/crop/320x320.webp',
      type: 'image/webp',
    },
    {
      url: '/media/a.jpg/filters/invert',
      accept: 'image/avif',
      file: 'a.jpg/filters/invert.avif',
      type: 'image/avif',
    },
    {
      url: '/media/a.jpg/filters/invert',
      accept: undefined,
      file: 'a.jpg/filters/invert.fallback.jpg',
      type: 'image/jpeg',
    },
    {
      url: '/media/p.png/thumbnail/220x220',
      accept: WEBP_ANY,
      file: 'p.png/thumbnail/220x220.webp',
      type: 'image/webp',
    },
    {
      url: '/media/alpha.png/thumbnail/180x180',
      accept: undefined,
      file: 'alpha.png/thumbnail/180x180.fallback.png',
      type: 'image/png',
    },
    {
      url: '/media/w.webp/crop/220x220',
      accept: ANY,
      file: 'w.webp/crop/220x220.fallback.webp',
      type: 'image/webp',
    },
    {
      url: '/media/sub/dir/n.jpg/filters/grayscale/thumbnail/180x180.png',
      accept: undefined,
      file: 'sub/dir/n.jpg/filters/grayscale/thumbnail/180x180.png',
      type: 'image/png',
    },
    {
      url: '/media/a.jpg/thumbnail/0x100.jpg',
      accept: undefined,
      file: 'a.jpg/thumbnail/0x100.jpg',
      type: 'image/jpeg',
    },
  ])('$url (Accept: $accept) -> CACHE_ROOT/$file', async ({ url, accept, file, type }) => {
    const { server, nginx } = s();
    const cacheRoot = server.config.roots.cacheRoot;
    const candidates = layoutCandidates(server, url, accept);
    expect(candidates).toContain(file);
    for (const candidate of candidates) expect(existsSync(join(cacheRoot, candidate))).toBe(false);

    const miss = await send(nginx.port, url, { headers: acceptHeader(accept) });
    expect(miss.status, miss.body.toString()).toBe(200);
    // Only Node sets this header: the miss went through nginx to Node.
    expect(miss.headers['x-rendition-cache']).toBe('miss');
    expect(miss.headers['content-type']).toBe(type);
    expect((await inspect(miss.body)).format).toBe(FORMAT_OF_TYPE[type]);

    // Exactly the predicted file was written, with the bytes Node sent.
    const onDisk = candidates.filter((candidate) => existsSync(join(cacheRoot, candidate)));
    expect(onDisk).toEqual([file]);
    expect(Buffer.compare(await readFile(join(cacheRoot, file)), miss.body)).toBe(0);

    // The next request is a plain file served by nginx.
    const hit = await send(nginx.port, url, { headers: acceptHeader(accept) });
    expect(hit.status).toBe(200);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
    expect(hit.headers['content-type']).toBe(type);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(Buffer.compare(hit.body, miss.body)).toBe(0);
  });

  it.each(GOLDEN_URLS)('golden URL $path: nginx and the layout agree', async (golden) => {
    const { server, nginx } = s();
    const cacheRoot = server.config.roots.cacheRoot;
    const url = mediaUrl(golden.path);
    for (const [accept, expected] of [
      ['image/avif', [golden.avifClient]],
      [undefined, golden.plainClient],
    ] as const) {
      const first = await send(nginx.port, url, { headers: acceptHeader(accept) });
      expect(first.status, first.body.toString()).toBe(200);
      const written = expected.filter((file) => existsSync(join(cacheRoot, file)));
      expect(written).toHaveLength(1);
      const again = await send(nginx.port, url, { headers: acceptHeader(accept) });
      expect(again.status).toBe(200);
      expect(again.headers['x-rendition-cache']).toBeUndefined();
      expect(Buffer.compare(again.body, first.body)).toBe(0);
    }
  });
});

describe.skipIf(skip)('nginx: hits and originals are served with Node stopped', () => {
  let stack: Stack | undefined;
  let originals: Record<string, Buffer> = {};
  const warmed: { url: string; accept: string | undefined; body: Buffer; type: string }[] = [];
  const WARM = [
    { url: '/media/a.jpg/thumbnail/180x180', accept: AVIF_WEBP_ANY },
    { url: '/media/a.jpg/thumbnail/180x180', accept: undefined },
    { url: '/media/p.png/crop/320x320.png', accept: undefined },
    { url: '/media/alpha.png/thumbnail/220x220', accept: WEBP_ANY },
    { url: '/media/w.webp/filters/blur', accept: ANY },
    { url: '/media/sub/dir/n.jpg/filters/sharpen/crop/180x180.avif', accept: undefined },
    { url: mediaUrl('photos/été+1@2x.jpg/thumbnail/180x180.jpg'), accept: undefined },
  ];

  beforeAll(async () => {
    stack = await startStack();
    originals = await putOriginals(stack.server);
    for (const { url, accept } of WARM) {
      const reply = await send(stack.nginx.port, url, { headers: acceptHeader(accept) });
      expect(reply.status, `${url}: ${reply.body.toString()}`).toBe(200);
      expect(reply.headers['x-rendition-cache']).toBe('miss');
      warmed.push({ url, accept, body: reply.body, type: String(reply.headers['content-type']) });
    }
    await stack.server.close();
    // Node is really gone: its port refuses connections.
    await expect(send(stack.server.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
  afterAll(() => disposeStack(stack));

  it('serves every warmed rendition from disk: same bytes, no Node header', async () => {
    const nginx = stack?.nginx;
    if (nginx === undefined) throw new Error('stack not started');
    expect(warmed).toHaveLength(WARM.length);
    for (const { url, accept, body, type } of warmed) {
      const reply = await send(nginx.port, url, { headers: acceptHeader(accept) });
      expect(reply.status, `${url} (Accept: ${accept})`).toBe(200);
      expect(reply.headers['x-rendition-cache']).toBeUndefined();
      expect(reply.headers['content-type']).toBe(type);
      expect(Buffer.compare(reply.body, body), url).toBe(0);
    }
  });

  it('negotiates like Node: any Accept that picks the same file is a hit', async () => {
    const nginx = stack?.nginx;
    if (nginx === undefined) throw new Error('stack not started');
    // Case-insensitive substring, q-values ignored: still the .avif file.
    for (const accept of ['IMAGE/AVIF', 'image/avif;q=0.1, image/webp', 'image/avif']) {
      const reply = await send(nginx.port, '/media/a.jpg/thumbnail/180x180', {
        headers: { Accept: accept },
      });
      expect(reply.status, accept).toBe(200);
      expect(reply.headers['content-type']).toBe('image/avif');
      expect(reply.headers.vary).toBe('Accept');
    }
    // No preferred format accepted: the fallback file, in the original's format.
    for (const accept of ['*/*', 'image/jpeg', 'image/*']) {
      const reply = await send(nginx.port, '/media/a.jpg/thumbnail/180x180', {
        headers: { Accept: accept },
      });
      expect(reply.status, accept).toBe(200);
      expect(reply.headers['content-type']).toBe('image/jpeg');
    }
  });

  it('serves originals of every type with Node stopped', async () => {
    const nginx = stack?.nginx;
    if (nginx === undefined) throw new Error('stack not started');
    const types: Record<string, string> = {
      'a.jpg': 'image/jpeg',
      'p.png': 'image/png',
      'alpha.png': 'image/png',
      'w.webp': 'image/webp',
      'sub/dir/n.jpg': 'image/jpeg',
      'photos/été+1@2x.jpg': 'image/jpeg',
    };
    for (const [path, bytes] of Object.entries(originals)) {
      const reply = await send(nginx.port, mediaUrl(path));
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-type']).toBe(types[path]);
      expect(Buffer.compare(reply.body, bytes), path).toBe(0);
    }
  });

  it('answers HEAD and conditional requests for hits with Node stopped', async () => {
    const nginx = stack?.nginx;
    if (nginx === undefined) throw new Error('stack not started');
    const url = '/media/p.png/crop/320x320.png';
    const get = await send(nginx.port, url);
    const head = await send(nginx.port, url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
    expect(head.headers['content-length']).toBe(String(get.body.length));
    const etag = String(get.headers.etag);
    const notModified = await send(nginx.port, url, { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
  });

  it('sends what is not cached to Node (502 while it is stopped)', async () => {
    const nginx = stack?.nginx;
    if (nginx === undefined) throw new Error('stack not started');
    const cases: [string, string | undefined][] = [
      ['/media/a.jpg/thumbnail/220x220', AVIF_WEBP_ANY], // never rendered
      ['/media/a.jpg/thumbnail/180x180', WEBP_ANY], // rendered as AVIF and fallback, not WebP
      ['/media/a.jpg/thumbnail/180x180.jpg', undefined], // explicit is its own file
      ['/media/p.png/crop/320x320', undefined], // only the explicit .png exists
      ['/media/missing.jpg', undefined],
      ['/media/a.jpg/thumbnail/351x351', undefined], // Node's size policy decides
      ['/media/a/../a.jpg', undefined], // raw dot segments go to Node, never to a file
      ['/media//a.jpg', undefined],
      ['/media/a.jpg%2Fthumbnail%2F180x180', AVIF_WEBP_ANY],
      ['/media/.env', undefined], // dotfiles are Node's to refuse
    ];
    for (const [url, accept] of cases) {
      const reply = await send(nginx.port, url, { headers: acceptHeader(accept) });
      expect(reply.status, `${url} (Accept: ${accept})`).toBe(502);
      // nginx's own answer, in rendition's error shape.
      expect(reply.headers['content-type']).toBe('application/json');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(errorOf(reply).code).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(await nginx.errorLog()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
  });
});

interface ParityCase {
  readonly url: string;
  readonly accept?: string;
  readonly status: number;
  /** Expected Content-Type for 200s; errors are JSON. */
  readonly type?: string;
  readonly vary?: string;
  /** Expected error code for 4xx. */
  readonly code?: string;
}

const ORIGINAL_CASES: ParityCase[] = [
  { url: '/media/a.jpg', status: 200, type: 'image/jpeg' },
  { url: '/media/p.png', status: 200, type: 'image/png' },
  { url: '/media/alpha.png', status: 200, type: 'image/png' },
  { url: '/media/w.webp', status: 200, type: 'image/webp' },
  { url: '/media/sub/dir/n.jpg', status: 200, type: 'image/jpeg' },
  { url: mediaUrl('photos/été+1@2x.jpg'), status: 200, type: 'image/jpeg' },
  { url: '/media/a.jpg?v=2', status: 200, type: 'image/jpeg' },
];

const NEGOTIATED: { accept: string | undefined; format: string | undefined }[] = [
  { accept: AVIF_WEBP_ANY, format: 'avif' },
  { accept: WEBP_ANY, format: 'webp' },
  { accept: ANY, format: undefined },
  { accept: undefined, format: undefined },
];

const ORIGINAL_TYPES: Record<string, string> = {
  'a.jpg': 'image/jpeg',
  'p.png': 'image/png',
  'alpha.png': 'image/png',
  'w.webp': 'image/webp',
};

const TYPE_OF_FORMAT: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

const RENDITION_CASES: ParityCase[] = [
  // Negotiated thumbnails and crops of every original type, for every kind of client.
  ...Object.entries(ORIGINAL_TYPES).flatMap(([path, originalType]) =>
    NEGOTIATED.flatMap(({ accept, format }) =>
      ['thumbnail/180x180', 'crop/220x220'].map((op) => ({
        url: `/media/${path}/${op}`,
        accept,
        status: 200,
        type: format === undefined ? originalType : TYPE_OF_FORMAT[format],
        vary: 'Accept',
      })),
    ),
  ),
  // Explicit formats: no negotiation, no Vary, whatever the Accept.
  ...['jpg', 'png', 'webp', 'avif'].flatMap((format) => [
    { url: `/media/a.jpg/thumbnail/180x180.${format}`, status: 200, type: TYPE_OF_FORMAT[format] },
    {
      url: `/media/alpha.png/crop/320x320.${format}`,
      accept: AVIF_WEBP_ANY,
      status: 200,
      type: TYPE_OF_FORMAT[format],
    },
  ]),
  { url: '/media/w.webp/thumbnail/0x100.png', status: 200, type: 'image/png' },
  { url: '/media/a.jpg/thumbnail/180x180.jpg?v=3', status: 200, type: 'image/jpeg' },
  {
    url: mediaUrl('photos/été+1@2x.jpg/crop/180x180'),
    accept: WEBP_ANY,
    status: 200,
    type: 'image/webp',
    vary: 'Accept',
  },
  // Filters, alone (negotiated) and with a size.
  ...NEGOTIATED.map(({ accept, format }) => ({
    url: '/media/a.jpg/filters/invert',
    accept,
    status: 200,
    type: format === undefined ? 'image/jpeg' : TYPE_OF_FORMAT[format],
    vary: 'Accept',
  })),
  {
    url: '/media/p.png/filters/blur/grayscale',
    accept: AVIF_WEBP_ANY,
    status: 200,
    type: 'image/avif',
    vary: 'Accept',
  },
  {
    url: '/media/p.png/filters/grayscale/thumbnail/180x180',
    accept: undefined,
    status: 200,
    type: 'image/png',
    vary: 'Accept',
  },
  { url: '/media/w.webp/filters/sharpen/invert/crop/220x220.jpg', status: 200, type: 'image/jpeg' },
  {
    url: '/media/sub/dir/n.jpg/filters/blur/thumbnail/220x220',
    accept: WEBP_ANY,
    status: 200,
    type: 'image/webp',
    vary: 'Accept',
  },
];

/** Requests nginx cannot map to a file: nginx hands them to Node, which refuses them. */
const ERROR_CASES: ParityCase[] = [
  { url: '/media/nope.jpg', status: 404, code: 'ORIGINAL_NOT_FOUND' },
  {
    url: '/media/nope.jpg/thumbnail/180x180',
    accept: AVIF_WEBP_ANY,
    status: 404,
    code: 'ORIGINAL_NOT_FOUND',
  },
  { url: '/media/nope.jpg/crop/320x320.webp', status: 404, code: 'ORIGINAL_NOT_FOUND' },
  { url: '/media/sub/dir', status: 404, code: 'ORIGINAL_NOT_FOUND' },
  { url: '/media/a.jpg/thumbnail/351x351', status: 400, code: 'SIZE_NOT_ALLOWED' },
  { url: '/media/a.jpg/crop/351x351.jpg', status: 400, code: 'SIZE_NOT_ALLOWED' },
  { url: '/media/a.jpg/thumbnail/0180x180', status: 400, code: 'BAD_RENDITION_URL' },
  { url: '/media/a.jpg/thumbnail/0x0', status: 400, code: 'BAD_RENDITION_URL' },
  { url: '/media/a.jpg/thumbnail/180x180.tiff', status: 400, code: 'BAD_RENDITION_URL' },
  { url: '/media/a.jpg/thumbnail/180x180.JPG', status: 400, code: 'BAD_RENDITION_URL' },
  { url: '/media/a.jpg/filters/invert/invert', status: 400, code: 'BAD_RENDITION_URL' },
  { url: '/media/a.jpg/%2e%2e/x', status: 400, code: 'BAD_PATH' },
  { url: '/media/a.jpg/%2E%2E/a.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/a/../a.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/sub/../a.jpg/thumbnail/180x180.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/./a.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media//a.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/a.jpg//thumbnail/180x180.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/sub%5Cdir/n.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/%252e%252e/a.jpg', status: 400, code: 'BAD_PATH' },
  { url: '/media/a.jpg%3Fx', status: 400, code: 'BAD_PATH' },
  { url: '/media/a.jpg/', status: 400, code: 'BAD_PATH' },
  { url: '/media/', status: 400, code: 'BAD_PATH' },
];

/**
 * Request targets nginx refuses before any location runs (a NUL or bad escape in the URI,
 * `..` above the root): such a URI cannot be proxied, so the shipped config answers Node's
 * status, type and error code itself, with a generic message.
 */
const REFUSED_BY_NGINX_CASES: ParityCase[] = [
  { url: '/media/a.jpg%00', status: 400, code: 'BAD_PATH' },
  { url: '/media/a.jpg%', status: 400, code: 'BAD_PATH' },
  { url: '/media/../../etc/passwd', status: 400, code: 'BAD_PATH' },
];

/** Methods other than GET and HEAD on files that exist: nginx hands them to Node. */
const METHOD_CASES: (ParityCase & { method: string })[] = [
  { url: '/media/a.jpg', method: 'POST', status: 405, code: 'METHOD_NOT_ALLOWED' },
  { url: '/media/a.jpg', method: 'OPTIONS', status: 405, code: 'METHOD_NOT_ALLOWED' },
  {
    url: '/media/a.jpg/thumbnail/180x180.jpg',
    method: 'DELETE',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
];

/** An encoded slash is a separator once decoded, on both sides (nginx defers to Node). */
const ENCODED_SLASH_CASES: ParityCase[] = [
  { url: '/media/sub%2Fdir%2Fn.jpg', status: 200, type: 'image/jpeg' },
  {
    url: '/media/a.jpg%2Fthumbnail%2F180x180.jpg',
    status: 200,
    type: 'image/jpeg',
  },
];

const label = (c: ParityCase) => `${c.url} (Accept: ${c.accept ?? '-'}) -> ${c.status}`;

describe.skipIf(skip)('nginx: same answer as Node', () => {
  let stack: Stack | undefined;
  const s = (): Stack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };

  beforeAll(async () => {
    stack = await startStack();
    await putOriginals(stack.server);
    // Warm through Node so every success case below is a file on disk for nginx.
    for (const c of [...RENDITION_CASES, ...ENCODED_SLASH_CASES]) {
      const reply = await send(stack.server.port, c.url, { headers: acceptHeader(c.accept) });
      expect(reply.status, `${label(c)}: ${reply.body.toString()}`).toBe(200);
    }
  });
  afterAll(async () => {
    try {
      expect(stack?.server.unexpectedErrors ?? []).toEqual([]);
    } finally {
      await disposeStack(stack);
    }
  });

  async function both(c: ParityCase, options: RequestOptions = {}): Promise<[Reply, Reply]> {
    const { server, nginx } = s();
    const request = {
      method: options.method ?? 'GET',
      headers: { ...acceptHeader(c.accept), ...options.headers },
    };
    return Promise.all([send(server.port, c.url, request), send(nginx.port, c.url, request)]);
  }

  it.each([...ORIGINAL_CASES, ...RENDITION_CASES])(
    '200 parity: $url (Accept: $accept)',
    async (c) => {
      const [node, nginx] = await both(c);
      expect(node.status, node.body.toString()).toBe(200);
      expect(node.headers['x-rendition-cache']).toMatch(/^(original|hit)$/);
      // nginx served the file itself: the Node-only header is absent.
      expect(nginx.headers['x-rendition-cache']).toBeUndefined();
      expect(nginx.status).toBe(node.status);
      expect(pick(nginx.headers, PARITY_HEADERS)).toEqual(pick(node.headers, PARITY_HEADERS));
      expect(Buffer.compare(nginx.body, node.body)).toBe(0);

      expect(node.headers['content-type']).toBe(c.type);
      expect(node.headers.vary).toBe(c.vary);
      expect(node.headers['cache-control']).toBe(
        `public, max-age=${s().server.config.http.cacheMaxAge}`,
      );
      expect(node.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(node.headers['content-length']).toBe(String(node.body.length));
      expect((await inspect(nginx.body)).format).toBe(FORMAT_OF_TYPE[c.type ?? '']);
    },
  );

  it.each(ERROR_CASES)('error parity: $url -> $status $code', async (c) => {
    const [node, nginx] = await both(c);
    expect(node.status).toBe(c.status);
    expect(JSON.parse(node.body.toString())).toEqual({
      error: { code: c.code, message: expect.any(String) },
    });
    expect(nginx.status).toBe(node.status);
    expect(pick(nginx.headers, ERROR_PARITY_HEADERS)).toEqual(
      pick(node.headers, ERROR_PARITY_HEADERS),
    );
    expect(node.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(nginx.body.toString())).toEqual(JSON.parse(node.body.toString()));
  });

  it.each(REFUSED_BY_NGINX_CASES)('refused-target parity: $url -> $status $code', async (c) => {
    const [node, nginx] = await both(c);
    expect(node.status).toBe(c.status);
    expect(nginx.status).toBe(node.status);
    expect(nginx.headers['content-type']).toMatch(/^application\/json/);
    expect(node.headers['content-type']).toMatch(/^application\/json/);
    expect(nginx.headers['cache-control']).toBe(node.headers['cache-control']);
    expect(JSON.parse(nginx.body.toString()).error.code).toBe(c.code);
    expect(JSON.parse(node.body.toString()).error.code).toBe(c.code);
  });

  it.each(METHOD_CASES)('method parity: $method $url -> $status', async (c) => {
    const [node, nginx] = await both(c, { method: c.method });
    expect(node.status).toBe(c.status);
    expect(nginx.status).toBe(node.status);
    expect(nginx.headers.allow).toBe('GET, HEAD');
    expect(pick(nginx.headers, ERROR_PARITY_HEADERS)).toEqual(
      pick(node.headers, ERROR_PARITY_HEADERS),
    );
    expect(JSON.parse(nginx.body.toString())).toEqual(JSON.parse(node.body.toString()));
  });

  it.each([
    { url: '/media/a.jpg', status: 200 },
    { url: '/media/a.jpg/thumbnail/180x180.webp', status: 200 },
    { url: '/media/p.png/thumbnail/180x180', accept: AVIF_WEBP_ANY, status: 200 },
  ] as ParityCase[])('precondition and range parity: $url', async (c) => {
    const [node] = await both(c);
    const etag = String(node.headers.etag);
    const cases: [Record<string, string>, number][] = [
      [{ 'If-Match': '"nope"' }, 412],
      [{ 'If-Match': `W/${etag}` }, 412],
      [{ 'If-Match': etag }, 200],
      [{ 'If-Match': '*' }, 200],
      [{ 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 412],
      [{ 'If-Unmodified-Since': 'Fri, 01 Jan 2100 00:00:00 GMT' }, 200],
      [{ 'If-None-Match': 'W/"x", *' }, 200],
      [{ 'If-None-Match': '*' }, 304],
      [{ 'If-None-Match': `W/${etag}` }, 304],
      [{ 'If-None-Match': etag, 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 200],
      [{ Range: 'bytes=0-9' }, 200],
    ];
    for (const [headers, status] of cases) {
      const [fromNode, fromNginx] = await both(c, { headers });
      expect(fromNode.status, JSON.stringify(headers)).toBe(status);
      expect(fromNginx.status, JSON.stringify(headers)).toBe(status);
      expect(fromNginx.headers['content-range']).toBeUndefined();
      expect(Buffer.compare(fromNginx.body, fromNode.body), JSON.stringify(headers)).toBe(0);
      if (status === 412) {
        expect(fromNginx.headers['content-type']).toMatch(/^application\/json/);
        expect(pick(fromNginx.headers, ERROR_PARITY_HEADERS)).toEqual(
          pick(fromNode.headers, ERROR_PARITY_HEADERS),
        );
      }
    }
  });

  it.each(ENCODED_SLASH_CASES)('encoded slash parity: $url', async (c) => {
    const [node, nginx] = await both(c);
    expect(node.status).toBe(c.status);
    expect(node.headers['content-type']).toBe(c.type);
    expect(nginx.status).toBe(node.status);
    expect(pick(nginx.headers, PARITY_HEADERS)).toEqual(pick(node.headers, PARITY_HEADERS));
    expect(Buffer.compare(nginx.body, node.body)).toBe(0);
  });

  const CONDITIONAL_CASES: ParityCase[] = [
    { url: '/media/a.jpg', status: 304 },
    { url: '/media/w.webp', status: 304 },
    { url: '/media/a.jpg/thumbnail/180x180.webp', status: 304 },
    { url: '/media/p.png/thumbnail/180x180', accept: AVIF_WEBP_ANY, status: 304 },
    { url: '/media/alpha.png/crop/220x220', accept: undefined, status: 304 },
    { url: '/media/a.jpg/filters/invert', accept: WEBP_ANY, status: 304 },
  ];
  const NOT_MODIFIED_HEADERS = ['etag', 'last-modified', 'cache-control', 'vary'] as const;

  it.each(CONDITIONAL_CASES)('304 parity: $url (Accept: $accept)', async (c) => {
    const [node] = await both(c);
    const etag = String(node.headers.etag);
    const lastModified = String(node.headers['last-modified']);
    const validatorSets: Record<string, string>[] = [
      { 'If-None-Match': etag },
      { 'If-None-Match': `"nope", ${etag}` },
      { 'If-Modified-Since': lastModified },
    ];
    for (const validators of validatorSets) {
      const [node304, nginx304] = await both(c, { headers: validators });
      expect(node304.status, JSON.stringify(validators)).toBe(304);
      expect(nginx304.status, JSON.stringify(validators)).toBe(304);
      expect(node304.body).toHaveLength(0);
      expect(nginx304.body).toHaveLength(0);
      expect(nginx304.headers['x-rendition-cache']).toBeUndefined();
      expect(pick(nginx304.headers, NOT_MODIFIED_HEADERS)).toEqual(
        pick(node304.headers, NOT_MODIFIED_HEADERS),
      );
    }
    // A stale validator gets the full body from both.
    const [nodeFull, nginxFull] = await both(c, { headers: { 'If-None-Match': '"0-0"' } });
    expect(nodeFull.status).toBe(200);
    expect(nginxFull.status).toBe(200);
    expect(Buffer.compare(nginxFull.body, nodeFull.body)).toBe(0);
  });

  it.each([
    ORIGINAL_CASES[0],
    ORIGINAL_CASES[2],
    { url: '/media/a.jpg/crop/220x220', accept: AVIF_WEBP_ANY, status: 200 },
    { url: '/media/alpha.png/crop/320x320.avif', status: 200 },
    { url: '/media/a.jpg/filters/invert', accept: undefined, status: 200 },
  ] as ParityCase[])('HEAD parity: $url (Accept: $accept)', async (c) => {
    const [nodeGet] = await both(c);
    const [node, nginx] = await both(c, { method: 'HEAD' });
    expect(node.status).toBe(200);
    expect(nginx.status).toBe(200);
    expect(node.body).toHaveLength(0);
    expect(nginx.body).toHaveLength(0);
    expect(nginx.headers['x-rendition-cache']).toBeUndefined();
    expect(pick(nginx.headers, PARITY_HEADERS)).toEqual(pick(node.headers, PARITY_HEADERS));
    expect(pick(node.headers, PARITY_HEADERS)).toEqual(pick(nodeGet.headers, PARITY_HEADERS));
  });
});

describe.skipIf(skip)('nginx: same answer as Node for odd requests', () => {
  let stack: Stack | undefined;
  const s = (): Stack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };

  beforeAll(async () => {
    stack = await startStack();
    await putOriginals(stack.server);
    const jpeg = await jpegImage(200, 150);
    // Names outside the path grammar that another app might still drop into MEDIA_ROOT.
    for (const name of ['e😀.jpg', 'rtl\u202egpj.jpg']) await stack.server.putOriginal(name, jpeg);
    await writeFile(
      join(
        stack.server.config.roots.mediaRoot,
        Buffer.from('bad-\xff.jpg', 'latin1').toString('latin1'),
      ),
      jpeg,
    );
    // Warm both variants Node would pick for each of the Accept headers below.
    for (const accept of ['image/webp', '*/*']) {
      await send(stack.server.port, '/media/a.jpg/thumbnail/180x180', {
        headers: { Accept: accept },
      });
    }
  });
  afterAll(async () => {
    await disposeStack(stack);
  });

  async function both(path: string, options: RequestOptions = {}): Promise<[Reply, Reply]> {
    const { server, nginx } = s();
    return Promise.all([send(server.port, path, options), send(nginx.port, path, options)]);
  }

  it('negotiates on the first of two Accept headers, like nginx', async () => {
    for (const headers of [
      // Raw header pairs carry no automatic Host.
      ['Host', '127.0.0.1', 'Accept', '*/*', 'Accept', 'image/webp'],
      ['Host', '127.0.0.1', 'Accept', 'image/webp', 'Accept', '*/*'],
    ]) {
      const [node, nginx] = await both('/media/a.jpg/thumbnail/180x180', { headers });
      expect(node.status).toBe(200);
      expect(nginx.headers['x-rendition-cache']).toBeUndefined();
      expect(node.headers['content-type']).toBe(nginx.headers['content-type']);
      expect(Buffer.compare(node.body, nginx.body)).toBe(0);
    }
  });

  it.each([
    `/media/${encodeURIComponent('e😀.jpg')}`,
    `/media/${encodeURIComponent('rtl\u202egpj.jpg')}`,
    '/media/bad-%FF.jpg',
    '/media/%C3.jpg',
    '/media/a.jpg/thumbnail/180x180%FF',
  ])('refuses %s the same way (names outside the grammar, malformed UTF-8)', async (path) => {
    const [node, nginx] = await both(path);
    expect(node.status).toBe(400);
    expect(nginx.status).toBe(400);
    expect(JSON.parse(nginx.body.toString())).toEqual(JSON.parse(node.body.toString()));
  });

  it('serves an absolute-form request target the same way', async () => {
    const [node, nginx] = await both(`http://127.0.0.1/media/a.jpg`);
    expect(node.status).toBe(200);
    expect(nginx.status).toBe(200);
    expect(Buffer.compare(node.body, nginx.body)).toBe(0);
  });

  it('fails an unparsable If-Unmodified-Since the same way', async () => {
    const [node, nginx] = await both('/media/a.jpg', {
      headers: { 'If-Unmodified-Since': 'garbage' },
    });
    expect(node.status).toBe(412);
    expect(nginx.status).toBe(412);
  });
});
