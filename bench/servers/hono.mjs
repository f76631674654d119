// Baseline servers: minimal Hono routes on @hono/node-server, as rendition serves hits.
//   BASELINE=memory    GET /file answers the bytes of $FILE held in memory
//   BASELINE=readFile  GET /file reads $FILE per request
// Both send the headers a rendition hit carries (type, length, validators, cache-control).
import { readFile, stat } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.env.PORT);
const file = process.env.FILE ?? '';
const fromMemory = (process.env.BASELINE ?? 'memory') === 'memory';
const info = await stat(file);
const bytes = await readFile(file);
const headers = {
  'Content-Type': 'image/jpeg',
  ETag: `"${Math.floor(info.mtimeMs / 1000).toString(16)}-${info.size.toString(16)}"`,
  'Last-Modified': info.mtime.toUTCString(),
  'Cache-Control': 'public, max-age=86400',
  'X-Content-Type-Options': 'nosniff',
};

const app = new Hono();
app.get('/file', async (c) => c.body(fromMemory ? bytes : await readFile(file), 200, headers));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
