// The admin API's contract: each route's method, path, input schemas and responses, declared
// with createRoute. The routes validate with these and the OpenAPI document describes them.

import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, ERRORS, type ErrorCode, type ErrorInfo } from '../errors.js';
import {
  BulkWarmJson,
  ErrorBody,
  ImagePage,
  ImagePathParams,
  ImageView,
  JobParams,
  JobStarted,
  KeySetsView,
  ListQuery,
  PatchJson,
  RegisteredImage,
  RegisterJson,
  RegisterQuery,
  RegisterUpload,
  WarmJob,
  WarmJson,
  WarmResult,
} from './admin-schemas.js';

/** Error responses a route can give, all `{"error":{"code","message"}}`. */
function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: adminErrorsDescription(status),
        content: { 'application/json': { schema: ErrorBody } },
      },
    ]),
  );
}

/** The admin API's codes of one status, each with its description from the error table. */
export function adminErrorsDescription(status: number): string {
  const lines = (Object.entries(ERRORS) as [ErrorCode, ErrorInfo][])
    .filter(([, info]) => info.status === status && info.surfaces.includes('admin'))
    .map(([code, info]) => `\`${code}\`: ${info.description}`);
  return lines.length === 0 ? 'Error' : lines.join('\n\n');
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const registerImage = createRoute({
  method: 'post',
  path: '/images',
  summary:
    'Register an original by upload (multipart) or by URL (JSON), optionally warming key sets',
  middleware: [readJsonUnlessMultipart],
  request: {
    query: RegisterQuery,
    body: {
      // One of the two is required (readJsonUnlessMultipart); `required: true` would make the
      // JSON validator refuse every upload.
      description: 'A JSON registration by URL, or a multipart upload',
      content: {
        'application/json': { schema: RegisterJson },
        'multipart/form-data': { schema: RegisterUpload },
      },
    },
  },
  responses: {
    201: json(RegisteredImage, 'Registered'),
    ...errors(400, 401, 409, 413, 415, 422, 502, 503, 504, 507),
  },
});

export const listImages = createRoute({
  method: 'get',
  path: '/images',
  summary: 'List registered images in path order, a page at a time',
  request: { query: ListQuery },
  responses: { 200: json(ImagePage, 'A page of images'), ...errors(400, 401) },
});

export const getImage = createRoute({
  method: 'get',
  path: '/images/{path{.+}}',
  summary: 'One registered image with its URL sets',
  request: { params: ImagePathParams },
  responses: { 200: json(ImageView, 'The image'), ...errors(400, 401, 404) },
});

export const setPpoi = createRoute({
  method: 'patch',
  path: '/images/{path{.+}}',
  summary: 'Set the PPOI (crops made with the old one are deleted)',
  middleware: [readJson],
  request: { params: ImagePathParams, body: jsonBody(PatchJson) },
  responses: { 200: json(ImageView, 'The image'), ...errors(400, 401, 404) },
});

export const warmImage = createRoute({
  method: 'post',
  path: '/images/{path{.+}}/warm',
  summary: 'Render key sets of one image now',
  middleware: [readJson],
  request: { params: ImagePathParams, body: jsonBody(WarmJson) },
  responses: { 200: json(WarmResult, 'What was rendered'), ...errors(400, 401, 404, 503) },
});

export const deleteImage = createRoute({
  method: 'delete',
  path: '/images/{path{.+}}',
  summary: 'Delete the original, every rendition of it and its record',
  request: { params: ImagePathParams },
  responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 404) },
});

export const startWarmJob = createRoute({
  method: 'post',
  path: '/warm',
  summary: 'Warm one key set over many images (default: all) as a background job',
  middleware: [readJson],
  request: { body: jsonBody(BulkWarmJson) },
  responses: { 202: json(JobStarted, 'Started'), ...errors(400, 401) },
});

export const getJob = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  summary: 'Progress of a warm job',
  request: { params: JobParams },
  responses: { 200: json(WarmJob, 'The job'), ...errors(401, 404) },
});

export const listKeySets = createRoute({
  method: 'get',
  path: '/key-sets',
  summary: 'The configured key sets',
  responses: { 200: json(KeySetsView, 'Key sets'), ...errors(401) },
});

export function isMultipart(c: Context): boolean {
  return (c.req.header('content-type') ?? '').startsWith('multipart/form-data');
}

/**
 * Route middleware before the validators: refuses a body that is not JSON and parses it
 * (Hono caches the result for the validator), so both failures get the API's error shape.
 */
async function readJson(c: Context, next: () => Promise<void>): Promise<void> {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
    throw new AppError('BAD_REQUEST', 'Expected Content-Type: application/json');
  }
  try {
    await c.req.json();
  } catch (error) {
    throw new AppError('BAD_REQUEST', 'Expected a JSON body', { cause: error });
  }
  await next();
}

/** {@link readJson}, except that a multipart upload goes on untouched (it is streamed). */
function readJsonUnlessMultipart(c: Context, next: () => Promise<void>): Promise<void> {
  return isMultipart(c) ? next() : readJson(c, next);
}
