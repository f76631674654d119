// The Hono application: public media routes, ops routes, one error handler.

import { Hono } from 'hono';
import type { MediaService } from '../services/media-service.js';
import { createErrorHandler, type ErrorLogger, notFoundResponse } from './error-response.js';
import { createMediaRoutes } from './media-routes.js';

export interface AppOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  readonly logError: ErrorLogger;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.use('*', createMediaRoutes(options));
  app.notFound(notFoundResponse);
  app.onError(createErrorHandler(options.logError));
  return app;
}
