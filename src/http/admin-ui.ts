// The admin web page at `/admin/ui`: static files from the package's `admin-ui/` folder,
// served with a strict Content-Security-Policy. The page needs no token to load; the
// browser code calls the admin API with the token the user types in.

import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { AppError } from '../errors.js';

/** The package's `admin-ui/` folder: two levels up from both `src/http/` and `dist/http/`. */
const ASSETS_URL = new URL('../../admin-ui/', import.meta.url);

/** Every file the page is made of, by the name it is served under, with its type. */
export const ADMIN_UI_ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'gallery.js': 'text/javascript; charset=utf-8',
  'ppoi.js': 'text/javascript; charset=utf-8',
  'ppoi-widget.js': 'text/javascript; charset=utf-8',
  'upload.js': 'text/javascript; charset=utf-8',
  'warm-job.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
};

/**
 * Scripts and styles from this origin only (no inline code), images from this origin (the
 * renditions) or from `blob:` (previews of files about to be uploaded), API calls to this
 * origin only, and the page may not be framed (clickjacking the delete button).
 */
const ADMIN_UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': ADMIN_UI_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Revalidate every time: a new version of rendition must not run an old script.
  'Cache-Control': 'no-cache',
};

/**
 * Routes for `/admin/ui` (the page) and `/admin/ui/<asset>`. Mount them before the admin API:
 * they answer without a token, and only for the names in {@link ADMIN_UI_ASSETS}.
 */
export function createAdminUiRoutes(): Hono {
  const ui = new Hono();
  const loaded = new Map<string, Promise<Uint8Array>>();
  const bytesOf = (name: string): Promise<Uint8Array> => {
    let bytes = loaded.get(name);
    if (bytes === undefined) {
      bytes = readFile(new URL(name, ASSETS_URL));
      // A failed read is not remembered: the next request tries again.
      bytes.catch(() => loaded.delete(name));
      loaded.set(name, bytes);
    }
    return bytes;
  };

  const serveAsset = async function serveAdminUiAsset(name: string): Promise<Response> {
    // An own key only: `constructor` or `toString` must not reach the disk.
    const type = Object.hasOwn(ADMIN_UI_ASSETS, name) ? ADMIN_UI_ASSETS[name] : undefined;
    if (type === undefined) throw new AppError('NOT_FOUND', 'No such file of the admin page');
    const body = await bytesOf(name);
    return new Response(body, { headers: { ...SECURITY_HEADERS, 'Content-Type': type } });
  };

  ui.get('/ui', () => serveAsset('index.html'));
  // Relative asset URLs in the page resolve against `/admin/ui`, so keep that exact address.
  ui.get('/ui/', (c) => c.redirect('../ui', 301));
  ui.get('/ui/:name', (c) => serveAsset(c.req.param('name')));
  return ui;
}
