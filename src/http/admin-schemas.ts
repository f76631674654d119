// The admin API's schemas: request schemas validate bodies and queries, response schemas
// describe answers; both feed the OpenAPI document at /admin/openapi.json, with examples.

import { z } from '@hono/zod-openapi';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';

const keySetName = z.string().min(1).max(64);
const keySetList = z.array(keySetName).max(32);

export const RegisterJson = z
  .strictObject({
    url: z.string().min(1).max(4096).openapi({ description: 'http(s) URL of the original' }),
    path: z
      .string()
      .optional()
      .openapi({ description: 'Media path to store it at (default: UPLOAD_PREFIX/<name>)' }),
    warm: keySetList.optional().openapi({ description: 'Key sets to render right away' }),
  })
  .openapi('RegisterByUrl', {
    example: { url: 'https://example.com/photos/cat.jpg', path: 'photos/cat.jpg', warm: ['image'] },
  });

/** The multipart form of a registration: streamed to disk, so described here, not parsed. */
export const RegisterUpload = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: { type: 'string' as const, format: 'binary', description: 'The original' },
    path: { type: 'string' as const, description: 'Media path to store it at' },
    warm: { type: 'string' as const, description: 'Comma-separated key sets to render now' },
  },
};

export const RegisterQuery = z.object({
  replace: z.string().optional().openapi({
    description: '`true` replaces an existing original (409 without it)',
    example: 'true',
  }),
});

export const PatchJson = z
  .strictObject({
    ppoi: z.strictObject({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) }),
  })
  .openapi('SetPpoi', { example: { ppoi: { x: 0.3, y: 0.25 } } });

export const WarmJson = z
  .strictObject({ keySets: keySetList.min(1) })
  .openapi('WarmImage', { example: { keySets: ['image'] } });

export const BulkWarmJson = z
  .strictObject({
    keySet: keySetName,
    paths: z
      .array(z.string())
      .max(100_000)
      .optional()
      .openapi({ description: 'Default: every registered image' }),
  })
  .openapi('StartWarmJob', { example: { keySet: 'image', paths: ['photos/cat.jpg'] } });

export const ListQuery = z.object({
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: '`next` of the previous page', example: 'photos/cat.jpg' }),
  prefix: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: 'Only paths starting with it', example: 'photos/' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 }),
});

/** The media path in `/admin/images/{path}`: slashes are sent as they are. */
export const ImagePathParams = z.object({
  path: z
    .string()
    .min(1)
    .openapi({
      param: { name: 'path', in: 'path', description: 'Media path; its `/` are sent unencoded' },
      example: 'photos/cat.jpg',
    }),
});

export const JobParams = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    example: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
  }),
});

const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const ErrorBody = z
  .object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) })
  .openapi('Error', {
    example: { error: { code: 'NOT_FOUND', message: 'No image at "photos/cat.jpg"' } },
  });

const ppoi = z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) });

const WarmSummary = z
  .object({
    created: z.number().int().min(0),
    existing: z.number().int().min(0),
    failed: z.array(
      z.object({
        name: z.string(),
        format: z.string(),
        error: z.object({ code: z.string(), message: z.string() }),
      }),
    ),
  })
  .openapi('WarmSummary', { example: { created: 3, existing: 0, failed: [] } });

const CAT = {
  path: 'photos/cat.jpg',
  width: 800,
  height: 600,
  format: 'jpeg',
  bytes: 48213,
  sha256: 'a3f1c2e4b5d6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70',
  ppoi: { x: 0.5, y: 0.5 },
  source: { kind: 'upload' as const, fileName: 'cat.jpg' },
  createdAt: '2026-11-24T17:00:00.000Z',
  urls: {
    image: {
      small: '/media/photos/cat.jpg/thumbnail/180x180',
      medium: '/media/photos/cat.jpg/thumbnail/220x220',
      large: '/media/photos/cat.jpg/thumbnail/320x320',
    },
  },
};

export const ImageView = z
  .object({
    path: z.string(),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    format: z.string().openapi({ description: "sharp's name of the original's real format" }),
    bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    ppoi,
    source: z.union([
      z.object({ kind: z.literal('upload'), fileName: z.string().optional() }),
      z.object({ kind: z.literal('url'), url: z.string() }),
    ]),
    createdAt: z.string().openapi({ format: 'date-time' }),
    urls: z
      .record(z.string(), z.record(z.string(), z.string()))
      .openapi({ description: 'Rendition URLs by key set, then by name' }),
  })
  .openapi('Image', { example: CAT });

export const RegisteredImage = ImageView.extend({
  warmed: z.record(z.string(), WarmSummary).optional(),
}).openapi('RegisteredImage', {
  example: { ...CAT, warmed: { image: { created: 3, existing: 0, failed: [] } } },
});

export const ImagePage = z
  .object({ items: z.array(ImageView), next: z.string().nullable() })
  .openapi('ImagePage', { example: { items: [CAT], next: null } });

export const WarmResult = z
  .object({ warmed: z.record(z.string(), WarmSummary) })
  .openapi('WarmResult', {
    example: { warmed: { image: { created: 3, existing: 0, failed: [] } } },
  });

export const JobStarted = z
  .object({ id: z.string() })
  .openapi('JobStarted', { example: { id: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d' } });

export const WarmJob = z
  .object({
    id: z.string(),
    keySet: z.string(),
    state: z.enum(['running', 'done', 'stopped', 'failed']),
    total: z.number().int().min(0),
    done: z.number().int().min(0),
    failed: z.array(
      z.object({ path: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
    ),
    created: z.number().int().min(0),
    createdAt: z.string().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('WarmJob', {
    example: {
      id: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
      keySet: 'image',
      state: 'done',
      total: 2,
      done: 2,
      failed: [],
      created: 6,
      createdAt: '2026-11-24T17:00:00.000Z',
      finishedAt: '2026-11-24T17:00:01.500Z',
    },
  });

/** A key-set entry as configured: `sizer__WxH`, or the object form with srcset variants. */
const KeySetValueView = z.union([
  z.string(),
  z.object({
    size: z.string(),
    densities: z.array(z.number()).optional(),
    widths: z.array(z.number().int()).optional(),
    sizes: z.string().optional(),
  }),
]);

export const KeySetsView = z
  .object({
    keySets: z.record(z.string(), z.record(z.string(), KeySetValueView)).openapi({
      description:
        'Key set -> name -> `[filters__<filter>__…]<sizer>__<W>x<H>[.<format>]`, or `{size, densities}` / `{size, widths, sizes}` (docs/key-sets.md)',
    }),
  })
  .openapi('KeySets', {
    example: {
      keySets: {
        image: {
          small: 'thumbnail__180x180',
          medium: 'thumbnail__220x220',
          large: 'thumbnail__320x320',
        },
      },
    },
  });
