// Shared by the hostile suites: a real server on 127.0.0.1 and the checks every hostile case
// ends with (the status and code, what changed in the roots, temp files, and a good request).

import { expect } from 'vitest';
import type { ServerRoots } from '../helpers/child-server.js';
import { type RawRequest, type RawResponse, rawRequest } from '../helpers/http.js';
import { inspect, jpegImage } from '../helpers/images.js';
import { changesBetween, listRoots, type RootsListing, tempFilesIn } from '../helpers/roots.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Settings of the hostile suites: small byte cap, arbitrary sizes up to 1000 px. */
export const HOSTILE_ENV = {
  ARBITRARY_SIZES: 'true',
  MAX_WIDTH: '1000',
  MAX_HEIGHT: '1000',
  MAX_SOURCE_BYTES: '300000',
} as const;

export const GOOD_ORIGINAL = 'good/known.jpg';

export interface Hostile {
  readonly server: TestServer;
  readonly roots: ServerRoots;
  readonly token: string;
  /** A GET (or other method) with the target sent as is. */
  request(target: string, options?: RawRequest): Promise<RawResponse>;
  /** `POST /admin/images` as multipart, the way browsers and fetch send it. */
  upload(
    bytes: Uint8Array,
    fileName: string,
    fields?: Record<string, string>,
  ): Promise<RawResponse>;
  /** `POST /admin/images` with a hand-made body and Content-Type. */
  uploadRaw(body: Uint8Array, contentType: string): Promise<RawResponse>;
  /** The roots as they are now. */
  listing(): Promise<RootsListing>;
  /**
   * Asserts what the request did to the roots since `before`: exactly the `files` added (plus
   * their new parent directories), nothing else added, removed or changed (the journal may
   * grow only when `registers`), and no temp file left.
   */
  expectRoots(
    before: RootsListing,
    expected?: { files?: readonly string[]; registers?: boolean },
  ): Promise<void>;
  /** A good original and a fresh rendition of it are still served, and nothing was a 500. */
  expectStillServing(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startHostile(env: Record<string, string> = {}): Promise<Hostile> {
  const server = await startTestServer({ ...HOSTILE_ENV, ...env });
  const roots = server.config.roots;
  const good = await jpegImage(600, 400);
  await server.putOriginal(GOOD_ORIGINAL, good);
  const token = server.adminToken.token;
  let freshWidth = 40;

  async function upload(
    bytes: Uint8Array,
    fileName: string,
    fields: Record<string, string> = {},
  ): Promise<RawResponse> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set('file', new Blob([bytes]), fileName);
    const response = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${token}` },
    });
    return toRaw(response);
  }

  return {
    server,
    roots,
    token,
    request: (target, options) => rawRequest(server.url, target, options),
    upload,
    uploadRaw: (body, contentType) =>
      rawRequest(server.url, '/admin/images', {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': contentType,
          'Content-Length': String(body.length),
        },
        body,
      }),
    listing: () => listRoots(roots),
    async expectRoots(before, expected = {}) {
      const files = [...(expected.files ?? [])].sort();
      const after = await listRoots(roots);
      const change = changesBetween(
        before,
        after,
        (entry) => expected.registers === true && entry === 'data/db.journal',
      );
      const addedFiles = change.added.filter((entry) => after.get(entry)?.startsWith('file:'));
      const addedOther = change.added.filter((entry) => !addedFiles.includes(entry));
      expect({ added: addedFiles, removed: change.removed, changed: change.changed }).toEqual({
        added: files,
        removed: [],
        changed: [],
      });
      // New directories only as parents of the files expected.
      for (const entry of addedOther) {
        expect(files.some((file) => file.startsWith(`${entry}/`))).toBe(true);
      }
      expect(await tempFilesIn(roots)).toEqual([]);
    },
    async expectStillServing() {
      const original = await rawRequest(server.url, `/media/${GOOD_ORIGINAL}`);
      expect(original.status).toBe(200);
      expect(original.body.equals(good)).toBe(true);
      // A size never asked before: a real render, not a hit.
      freshWidth += 1;
      const rendition = await rawRequest(
        server.url,
        `/media/${GOOD_ORIGINAL}/thumbnail/${freshWidth}x0.jpg`,
      );
      expect(rendition.status).toBe(200);
      expect(rendition.headers['x-rendition-cache']).toBe('miss');
      expect(await inspect(rendition.body)).toMatchObject({ format: 'jpeg', width: freshWidth });
      expect(server.unexpectedErrors).toEqual([]);
    },
    dispose: () => server.dispose(),
  };
}

/** A fetch Response as a RawResponse (status, lower-case headers, whole body). */
export async function toRaw(response: Response): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    status: response.status,
    headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** The media path a 201 answer registered. */
export function registeredPath(response: RawResponse): string {
  return (JSON.parse(response.body.toString('utf8')) as { path: string }).path;
}
