// Operations routes: `GET /healthz` (readiness, 200 or 503) and `GET /metrics` (Prometheus).

import { Hono } from 'hono';
import type { HealthReport } from '../services/health-check.js';
import { requireToken } from './require-token.js';

export interface OpsRoutesOptions {
  readonly health: () => Promise<HealthReport>;
  readonly metrics: {
    readonly scrape: () => Promise<{ contentType: string; body: string }>;
    /** When set, `/metrics` needs this bearer token (METRICS_REQUIRE_TOKEN). */
    readonly token?: string;
  };
}

export function createOpsRoutes(options: OpsRoutesOptions): Hono {
  const ops = new Hono();
  ops.get('/healthz', async function health(c) {
    const report = await options.health();
    return c.json(report, report.status === 'ok' ? 200 : 503, { 'Cache-Control': 'no-store' });
  });
  const { token, scrape } = options.metrics;
  if (token !== undefined) ops.use('/metrics', requireToken(token));
  ops.get('/metrics', async function metrics(c) {
    const { contentType, body } = await scrape();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
  return ops;
}
