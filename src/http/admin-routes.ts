// The admin API (SPEC section 6): every call behind `Authorization: Bearer <ADMIN_TOKEN>`.
// Handlers parse and validate, call the image service, and answer; nothing else.

import { rm } from 'node:fs/promises';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { tokenMatches } from '../services/admin-token.js';
import type { ImageService } from '../services/image-service.js';
import type { WarmJobs } from '../services/warm-jobs.js';
import { formatKeySetValue, type KeySets } from '../spec/key-sets.js';
import { checkMediaPath, decodeMediaPath } from '../spec/media-path.js';
import { readMultipartUpload } from './multipart-upload.js';
import { rawPathOf } from './raw-path.js';

export interface AdminRoutesOptions {
  readonly token: string;
  readonly images: ImageService;
  readonly jobs: WarmJobs;
  readonly keySets: KeySets;
  readonly maxSourceBytes: number;
  readonly tempFile: () => Promise<string>;
  /** Every registered path, for a bulk warm without a list. */
  readonly allPaths: () => readonly string[];
}

const keySetList = z.array(z.string().min(1).max(64)).max(32);
const RegisterJson = z.strictObject({
  url: z.string().min(1).max(4096),
  path: z.string().optional(),
  warm: keySetList.optional(),
});
const PatchJson = z.strictObject({
  ppoi: z.strictObject({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) }),
});
const WarmJson = z.strictObject({ keySets: keySetList.min(1) });
const BulkWarmJson = z.strictObject({
  keySet: z.string().min(1).max(64),
  paths: z.array(z.string()).max(100_000).optional(),
});
const ListQuery = z.object({
  cursor: z.string().max(1024).optional(),
  prefix: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function createAdminRoutes(options: AdminRoutesOptions): Hono {
  const admin = new Hono();
  const { images, jobs } = options;

  // Uploads are capped while streaming; this caps every other body (JSON) as a whole.
  admin.use(
    '*',
    bodyLimit({
      maxSize: options.maxSourceBytes + 64 * 1024,
      onError: () => {
        throw new AppError(
          'SOURCE_TOO_LARGE',
          `Expected a body of at most ${options.maxSourceBytes} bytes`,
        );
      },
    }),
  );

  admin.use('*', async function requireToken(c, next) {
    const header = c.req.header('authorization') ?? '';
    const presented = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
    if (presented === '' || !tokenMatches(presented, options.token)) {
      throw new AppError('UNAUTHORIZED', 'Expected Authorization: Bearer <ADMIN_TOKEN>', {
        headers: { 'WWW-Authenticate': 'Bearer realm="rendition admin"' },
      });
    }
    await next();
  });

  admin.get('/key-sets', (c) => {
    const keySets: Record<string, Record<string, ReturnType<typeof formatKeySetValue>>> = {};
    for (const [name, keySet] of Object.entries(options.keySets)) {
      keySets[name] = Object.fromEntries(
        Object.entries(keySet).map(([key, entry]) => [key, formatKeySetValue(entry)]),
      );
    }
    return c.json({ keySets });
  });

  admin.post('/images', async function registerImage(c) {
    const replace = c.req.query('replace') === 'true';
    const type = c.req.header('content-type') ?? '';
    if (type.startsWith('multipart/form-data')) {
      const { fields, file } = await readMultipartUpload(c.req.raw, {
        maxBytes: options.maxSourceBytes,
        tempFile: options.tempFile,
      });
      if (file === undefined)
        throw new AppError('BAD_REQUEST', 'Expected a file part named "file"');
      const warm = (fields.warm ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      try {
        const view = await images.register(
          { kind: 'upload', ...file },
          { path: fields.path || undefined, replace, warm },
        );
        return c.json(view, 201);
      } finally {
        // Registered originals were moved away; anything refused must not stay behind.
        await rm(file.tempFile, { force: true });
      }
    }
    const body = parse(RegisterJson, await jsonBody(c));
    const view = await images.register(
      { kind: 'url', url: body.url },
      { path: body.path, replace, warm: body.warm ?? [] },
    );
    return c.json(view, 201);
  });

  admin.get('/images', (c) => {
    const query = parse(ListQuery, c.req.query());
    return c.json(images.list(query));
  });

  admin.post('/warm', async function startWarmJob(c) {
    const body = parse(BulkWarmJson, await jsonBody(c));
    images.checkKeySets([body.keySet]);
    const paths = body.paths?.map(checkMediaPath) ?? options.allPaths();
    const job = jobs.start(body.keySet, paths);
    return c.json({ id: job.id }, 202);
  });

  admin.get('/jobs/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    if (job === undefined) throw new AppError('NOT_FOUND', 'No such job');
    return c.json(job);
  });

  admin.get('/images/*', (c) => c.json(images.get(imagePath(c))));

  admin.patch('/images/*', async function setPpoi(c) {
    const body = parse(PatchJson, await jsonBody(c));
    return c.json(await images.setPpoi(imagePath(c), body.ppoi));
  });

  admin.post('/images/*', async function warmImage(c) {
    const path = imagePath(c);
    if (!path.endsWith('/warm'))
      throw new AppError('NOT_FOUND', 'Expected POST /admin/images/<path>/warm');
    const body = parse(WarmJson, await jsonBody(c));
    const warmed = await images.warm(path.slice(0, -'/warm'.length), body.keySets);
    return c.json({ warmed });
  });

  admin.delete('/images/*', async function deleteImage(c) {
    await images.delete(imagePath(c));
    return c.body(null, 204);
  });

  return admin;
}

/** The media path after `/admin/images/`, from the raw URL, decoded once and checked. */
function imagePath(c: Context): string {
  const raw = rawPathOf(c);
  const marker = '/admin/images/';
  const at = raw.indexOf(marker);
  if (at === -1) throw new AppError('BAD_PATH', 'Expected /admin/images/<path>');
  return decodeMediaPath(raw.slice(at + marker.length));
}

async function jsonBody(c: Context): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
    throw new AppError('BAD_REQUEST', 'Expected Content-Type: application/json');
  }
  try {
    return await c.req.json();
  } catch (error) {
    throw new AppError('BAD_REQUEST', 'Expected a JSON body', { cause: error });
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
  throw new AppError('BAD_REQUEST', `Invalid ${where}: ${issue?.message ?? 'invalid'}`);
}
