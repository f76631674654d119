// The Hono application: public media routes, the admin API, ops routes, one error handler.

import { Hono } from 'hono';
import type { ImageInfo } from '../services/image-info.js';
import type { MediaService } from '../services/media-service.js';
import { ADMIN_OPENAPI_PATH, adminOpenApiDocument } from './admin-openapi.js';
import { type AdminRoutesOptions, createAdminRoutes } from './admin-routes.js';
import { createAdminUiRoutes } from './admin-ui.js';
import { createErrorHandler, type ErrorLogger, notFoundResponse } from './error-response.js';
import { createMediaRoutes } from './media-routes.js';
import { type ObserveRequestsOptions, observeRequests } from './observe-requests.js';
import { createOpsRoutes, type OpsRoutesOptions } from './ops-routes.js';
import type { SignatureCheckOptions } from './signature-check.js';

export interface AppOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  /** `<MEDIA_URL>/<path>/info`. */
  readonly info?: (path: string) => Promise<ImageInfo>;
  readonly admin: AdminRoutesOptions;
  readonly logError: ErrorLogger;
  readonly ops: OpsRoutesOptions;
  /** Metrics and the access log, told of every request. */
  readonly observe: ObserveRequestsOptions;
  /** Signed URLs; absent: off. */
  readonly signing?: SignatureCheckOptions;
  /** SURROGATE_KEY_HEADER; absent: off. */
  readonly surrogateKeyHeader?: string;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.use('*', observeRequests(options.observe));
  app.route('/', createOpsRoutes(options.ops));
  // A middleware on the raw path, not a route: see media-routes.
  app.use('*', createMediaRoutes(options));
  const admin = createAdminRoutes(options.admin);
  // Before the admin routes, so their token check never runs for it; built on first request.
  let openApi: Record<string, unknown> | undefined;
  app.get(ADMIN_OPENAPI_PATH, (c) => {
    openApi ??= adminOpenApiDocument(admin);
    return c.json(openApi);
  });
  // The admin page is static and loads without a token: mounted before the API's token check.
  app.route('/admin', createAdminUiRoutes());
  app.route('/admin', admin);
  app.notFound(notFoundResponse);
  app.onError(createErrorHandler(options.logError));
  return app;
}
