// The admin API: every call behind `Authorization: Bearer <ADMIN_TOKEN>`.
// Each route is declared with createRoute: the same zod schemas validate its input and
// describe it in the OpenAPI document. Handlers call the image service and answer.

import { rm } from 'node:fs/promises';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { JsonBodyLimits } from '../config/load-config.js';
import { splitList } from '../config/setting-types.js';
import { AppError } from '../errors.js';
import type { ImageService } from '../services/image-service.js';
import type { WarmJobs } from '../services/warm-jobs.js';
import { formatKeySetValue, type KeySets } from '../url/key-sets.js';
import { checkMediaPath, decodeMediaPath } from '../url/media-path.js';
import {
  deleteImage,
  getImage,
  getJob,
  isMultipart,
  listImages,
  listKeySets,
  registerImage,
  setPpoi,
  startWarmJob,
  warmImage,
} from './admin-api-spec.js';
import type { RegisterJson } from './admin-schemas.js';
import { limitJsonBody } from './json-body.js';
import { readMultipartUpload } from './multipart-upload.js';
import { rawPathOf } from './raw-path.js';
import { requireToken } from './require-token.js';

export interface AdminRoutesOptions {
  readonly token: string;
  readonly images: ImageService;
  readonly jobs: WarmJobs;
  readonly keySets: KeySets;
  readonly maxSourceBytes: number;
  /** MAX_JSON_BODY_BYTES and MAX_JSON_DEPTH. */
  readonly json: JsonBodyLimits;
  readonly tempFile: () => Promise<string>;
  /** Every registered path, for a bulk warm without a list. */
  readonly allPaths: () => readonly string[];
}

export function createAdminRoutes(options: AdminRoutesOptions): OpenAPIHono {
  const admin = new OpenAPIHono({
    // Validation failures speak the API's one error shape.
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error.issues);
    },
  });
  const { images, jobs } = options;
  admin.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN',
  });

  // The token before any body byte: an unauthenticated request is answered 401 at once and
  // its connection closed, whatever it is still sending. Uploads are then capped while
  // streaming (multipart-upload), never buffered; JSON bodies have their own small cap.
  admin.use('*', requireToken(options.token));
  const limitJson = limitJsonBody(options.json);
  admin.use('*', (c, next) => (isMultipart(c) ? next() : limitJson(c, next)));

  admin.openapi(listKeySets, (c) => {
    const keySets: Record<string, Record<string, ReturnType<typeof formatKeySetValue>>> = {};
    for (const [name, keySet] of Object.entries(options.keySets)) {
      keySets[name] = Object.fromEntries(
        Object.entries(keySet).map(([key, entry]) => [key, formatKeySetValue(entry)]),
      );
    }
    return c.json({ keySets }, 200);
  });

  admin.openapi(registerImage, async function register(c) {
    const replace = c.req.valid('query').replace === 'true';
    if (isMultipart(c)) {
      const { fields, file } = await readMultipartUpload(c.req.raw, {
        maxBytes: options.maxSourceBytes,
        tempFile: options.tempFile,
      });
      if (file === undefined)
        throw new AppError('BAD_REQUEST', 'Expected a file part named "file"');
      const warm = splitList(fields.warm ?? '');
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
    // The multipart form is described but never validated as a whole, so Hono's types see
    // only the query here; the JSON validator did run (readJsonUnlessMultipart).
    const body = (c.req.valid as (target: 'json') => z.infer<typeof RegisterJson>)('json');
    const view = await images.register(
      { kind: 'url', url: body.url },
      { path: body.path, replace, warm: body.warm ?? [] },
    );
    return c.json(view, 201);
  });

  admin.openapi(listImages, (c) => c.json(images.list(c.req.valid('query')), 200));

  admin.openapi(startWarmJob, async (c) => {
    const body = c.req.valid('json');
    images.checkKeySets([body.keySet]);
    const paths = body.paths?.map(checkMediaPath) ?? options.allPaths();
    const job = await jobs.start(body.keySet, paths);
    return c.json({ id: job.id }, 202);
  });

  admin.openapi(getJob, async (c) => {
    const job = await jobs.get(c.req.valid('param').id);
    if (job === undefined) throw new AppError('NOT_FOUND', 'No such job');
    return c.json(job, 200);
  });

  admin.openapi(warmImage, async (c) => {
    const path = imagePath(c);
    const warmed = await images.warm(path.slice(0, -'/warm'.length), c.req.valid('json').keySets);
    return c.json({ warmed }, 200);
  });

  admin.openapi(getImage, async (c) => c.json(await images.read(imagePath(c)), 200));

  admin.openapi(setPpoi, async (c) =>
    c.json(await images.setPpoi(imagePath(c), c.req.valid('json').ppoi), 200),
  );

  admin.openapi(deleteImage, async (c) => {
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

/** The first issue of a failed validation, as the API's BAD_REQUEST. */
function invalid(issues: readonly z.core.$ZodIssue[]): AppError {
  const issue = issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
  return new AppError('BAD_REQUEST', `Invalid ${where}: ${issue?.message ?? 'invalid'}`);
}
