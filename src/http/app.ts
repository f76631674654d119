// The Hono application: public media routes, the admin API, ops routes, one error handler.

import { Hono, type MiddlewareHandler } from 'hono';
import type { MediaService } from '../services/media-service.js';
import { type AdminRoutesOptions, createAdminRoutes } from './admin-routes.js';
import { createAdminUiRoutes } from './admin-ui.js';
import { createErrorHandler, type ErrorLogger, notFoundResponse } from './error-response.js';
import { createMediaRoutes } from './media-routes.js';

export interface AppOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  readonly admin: AdminRoutesOptions;
  readonly logError: ErrorLogger;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Registered as a middleware on the raw path (see media-routes); it may answer synchronously.
  app.use('*', createMediaRoutes(options) as MiddlewareHandler);
  // The admin page is static and loads without a token: mounted before the API's token check.
  app.route('/admin', createAdminUiRoutes());
  app.route('/admin', createAdminRoutes(options.admin));
  app.notFound(notFoundResponse);
  app.onError(createErrorHandler(options.logError));
  return app;
}
