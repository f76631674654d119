// The Hono application: public media routes, the admin API, ops routes, one error handler.

import { Hono } from 'hono';
import type { MediaService } from '../services/media-service.js';
import { type AdminRoutesOptions, createAdminRoutes } from './admin-routes.js';
import { createErrorHandler, type ErrorLogger, notFoundResponse } from './error-response.js';
import { createMediaRoutes } from './media-routes.js';
import type { SignatureCheckOptions } from './signature-check.js';

export interface AppOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  readonly admin: AdminRoutesOptions;
  readonly logError: ErrorLogger;
  /** Signed URLs; absent: off. */
  readonly signing?: SignatureCheckOptions;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.use('*', createMediaRoutes(options));
  app.route('/admin', createAdminRoutes(options.admin));
  app.notFound(notFoundResponse);
  app.onError(createErrorHandler(options.logError));
  return app;
}
