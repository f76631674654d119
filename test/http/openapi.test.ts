// GET /admin/openapi.json: a valid OpenAPI 3.1 document, generated from the zod schemas the
// admin routes validate with, that describes every admin route, whose every example fits its
// schema, and whose response schemas fit what the server really answers.

import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorInfo } from '../../src/errors.js';
import { jpegImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

let server: TestServer;
let document: OpenApiDocument;
let ajv: Ajv2020;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/admin/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 (plus `example`, ignored by the validator).
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi');
});
afterAll(async () => {
  await server.dispose();
});

/** A JSON pointer into the document, escaped. */
function pointer(...segments: string[]): string {
  return `#/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/** Validates `value` against the schema at `at` in the document: the errors, or []. */
function errorsAgainst(at: string, value: unknown): unknown[] {
  const validate = ajv.getSchema(`openapi${at}`);
  if (validate === undefined) throw new Error(`no schema at ${at}`);
  return validate(value) ? [] : (validate.errors ?? []);
}

/** Every `example` in the document, with the pointer of the schema it belongs to. */
function examplesIn(node: unknown, at: string[] = []): { at: string; example: unknown }[] {
  if (typeof node !== 'object' || node === null) return [];
  const found: { at: string; example: unknown }[] = [];
  const record = node as Record<string, unknown>;
  if ('example' in record && at.at(-1) !== 'properties') {
    found.push({ at: pointer(...at), example: record.example });
  }
  for (const [key, child] of Object.entries(record)) {
    if (key !== 'example') found.push(...examplesIn(child, [...at, key]));
  }
  return found;
}

describe('GET /admin/openapi.json', () => {
  it('is readable without the token and valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(
      document as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes every admin route the server registered, and nothing else', () => {
    const registered = new Set(
      server.app.routes
        .filter((route) => route.path.startsWith('/admin/') && route.method !== 'ALL')
        .filter((route) => route.path !== '/admin/openapi.json')
        // The admin web page (static files, docs/admin-api.md#admin-web-page) is not part of the API.
        .filter((route) => route.path !== '/admin/ui' && !route.path.startsWith('/admin/ui/'))
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`),
    );
    const described = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect([...described].sort()).toEqual([...registered].sort());
    expect(registered.size).toBe(9);
  });

  it('has examples that all validate against their schemas', () => {
    const examples = examplesIn(document);
    expect(examples.length).toBeGreaterThanOrEqual(Object.keys(document.components.schemas).length);
    for (const { at, example } of examples) {
      expect({ at, errors: errorsAgainst(at, example) }).toEqual({ at, errors: [] });
    }
    // The validator does refuse what does not fit.
    expect(errorsAgainst(pointer('components', 'schemas', 'Image'), { path: 1 })).not.toEqual([]);
  });

  it('describes the bodies the server really answers', async () => {
    const auth = { Authorization: `Bearer ${server.adminToken.token}` };
    const responseSchema = (path: string, method: string, status: number) =>
      pointer(
        'paths',
        path,
        method,
        'responses',
        String(status),
        'content',
        'application/json',
        'schema',
      );
    const check = async (response: Response, path: string, method: string, expected: number) => {
      const body: unknown = await response.json();
      // The status first: an error body would fit the documented error schema just as well.
      expect({ path, method, status: response.status }).toEqual({ path, method, status: expected });
      expect({
        path,
        method,
        errors: errorsAgainst(responseSchema(path, method, response.status), body),
      }).toEqual({
        path,
        method,
        errors: [],
      });
      return body;
    };
    const form = new FormData();
    form.set('file', new Blob([await jpegImage(400, 300)]), 'cat.jpg');
    form.set('path', 'photos/cat.jpg');
    form.set('warm', 'image');
    const api = `${server.url}/admin`;
    await check(
      await fetch(`${api}/images`, { method: 'POST', headers: auth, body: form }),
      '/admin/images',
      'post',
      201,
    );
    await check(
      await fetch(`${api}/images?limit=10`, { headers: auth }),
      '/admin/images',
      'get',
      200,
    );
    await check(
      await fetch(`${api}/images/photos/cat.jpg`, { headers: auth }),
      '/admin/images/{path}',
      'get',
      200,
    );
    const json = { ...auth, 'Content-Type': 'application/json' };
    await check(
      await fetch(`${api}/images/photos/cat.jpg`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify({ ppoi: { x: 0.2, y: 0.8 } }),
      }),
      '/admin/images/{path}',
      'patch',
      200,
    );
    await check(
      await fetch(`${api}/images/photos/cat.jpg/warm`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ keySets: ['image'] }),
      }),
      '/admin/images/{path}/warm',
      'post',
      200,
    );
    const started = (await check(
      await fetch(`${api}/warm`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ keySet: 'image' }),
      }),
      '/admin/warm',
      'post',
      202,
    )) as { id: string };
    await check(
      await fetch(`${api}/jobs/${started.id}`, { headers: auth }),
      '/admin/jobs/{id}',
      'get',
      200,
    );
    await check(await fetch(`${api}/key-sets`, { headers: auth }), '/admin/key-sets', 'get', 200);
    await check(
      await fetch(`${api}/images/never.jpg`, { headers: auth }),
      '/admin/images/{path}',
      'get',
      404,
    );
    await check(
      await fetch(`${api}/images`, { method: 'POST', headers: json, body: '{"url": 5}' }),
      '/admin/images',
      'post',
      400,
    );
    await check(await fetch(`${api}/key-sets`), '/admin/key-sets', 'get', 401);
  });

  it("answers a Content-Type Hono's validators refuse with the API's error shape", async () => {
    const response = await fetch(`${server.url}/admin/images/photos/cat.jpg`, {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${server.adminToken.token}`,
        'Content-Type': 'application/json; odd',
      },
      body: JSON.stringify({ ppoi: { x: 0.5, y: 0.5 } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('describes each error status by the admin codes of the error table', () => {
    const described = Object.values(document.paths).flatMap((item) =>
      Object.values(item as Record<string, { responses: Record<string, { description: string }> }>)
        .flatMap((operation) => Object.entries(operation.responses))
        .filter(([status]) => Number(status) >= 400),
    );
    expect(described.length).toBeGreaterThan(20);
    for (const [status, { description }] of described) {
      const codes = (Object.entries(ERRORS) as [string, ErrorInfo][])
        .filter(([, info]) => info.status === Number(status) && info.surfaces.includes('admin'))
        .map(([code, info]) => `\`${code}\`: ${info.description}`);
      expect(codes.length, `no admin code has status ${status}`).toBeGreaterThan(0);
      expect(description.split('\n\n')).toEqual(codes);
    }
  });
});
