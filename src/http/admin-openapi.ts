// The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas.

import type { OpenAPIHono } from '@hono/zod-openapi';

/** Where the document is served; readable without the token (it holds no secret). */
export const ADMIN_OPENAPI_PATH = '/admin/openapi.json';

/**
 * The document of `admin` (mounted at `/admin`). Hono's multi-segment parameter
 * `{path{.+}}` becomes OpenAPI's `{path}`.
 */
export function adminOpenApiDocument(admin: OpenAPIHono): Record<string, unknown> {
  const document = admin.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'rendition admin API',
      version: '1.0.0',
      description:
        'Register, list, warm and delete originals. Every call needs `Authorization: Bearer <ADMIN_TOKEN>`; errors are `{"error":{"code","message"}}`.',
    },
    security: [{ adminToken: [] }],
  });
  const paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).map(([path, item]) => [
      `/admin${path.replace(/\{(\w+)\{[^}]*\}\}/g, '{$1}')}`,
      item,
    ]),
  );
  return { ...document, paths };
}
