// The admin API client of the page: every call carries `Authorization: Bearer <token>`;
// failures become ApiError with the server's code and message.

/** An admin API call that failed: the HTTP status, the error code and a message to show. */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * What the page says about a failed call: the server's message and its code.
 * @param {unknown} error
 */
export function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    return `${error.message} (${error.status} ${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The admin API path of a media path: each segment percent-encoded once.
 * @param {string} path
 */
export function imageApiPath(path) {
  return `images/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * @typedef {{ x: number, y: number }} Ppoi
 * @typedef {{ path: string, width: number, height: number, format: string, bytes: number,
 *   sha256: string, ppoi: Ppoi, createdAt: string,
 *   urls: Record<string, Record<string, string>> }} ImageView
 * @typedef {{ id: string, keySet: string, state: string, total: number, done: number,
 *   created: number, failed: { path: string, error: { code: string, message: string } }[] }} WarmJob
 * @typedef {{ created: number, existing: number, failed: unknown[] }} WarmSummary
 */

/**
 * A client for the admin API under `base` (e.g. `http://host/admin/`).
 * @param {{ base: URL, token: string, onUnauthorized: (error: ApiError) => void }} options
 */
export function createApi({ base, token, onUnauthorized }) {
  /**
   * @param {string} method
   * @param {string} path relative to `base`
   * @param {unknown} [body] sent as JSON
   */
  async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server could not be reached');
    }
    if (response.status === 204) return undefined;
    const payload = await response.json().catch(() => undefined);
    if (!response.ok) throw failure(response.status, payload);
    return payload;
  }

  /**
   * @param {number} status
   * @param {unknown} payload
   */
  function failure(status, payload) {
    const error = /** @type {{ error?: { code?: string, message?: string } } | undefined} */ (
      payload
    )?.error;
    const apiError = new ApiError(
      status,
      error?.code ?? 'HTTP_ERROR',
      error?.message ?? `The server answered ${status}`,
    );
    if (status === 401) onUnauthorized(apiError);
    return apiError;
  }

  return {
    /** @returns {Promise<{ keySets: Record<string, Record<string, string | { size: string }>> }>} */
    keySets: () => call('GET', 'key-sets'),
    /**
     * @param {{ prefix?: string, cursor?: string | null, limit: number }} query
     * @returns {Promise<{ items: ImageView[], next: string | null }>}
     */
    list(query) {
      const params = new URLSearchParams({ limit: String(query.limit) });
      if (query.prefix) params.set('prefix', query.prefix);
      if (query.cursor) params.set('cursor', query.cursor);
      return call('GET', `images?${params}`);
    },
    /** @param {string} path @returns {Promise<ImageView>} */
    get: (path) => call('GET', imageApiPath(path)),
    /** @param {string} path @param {Ppoi} ppoi @returns {Promise<ImageView>} */
    setPpoi: (path, ppoi) => call('PATCH', imageApiPath(path), { ppoi }),
    /**
     * @param {string} path @param {string[]} keySets
     * @returns {Promise<{ warmed: Record<string, WarmSummary> }>}
     */
    warm: (path, keySets) => call('POST', `${imageApiPath(path)}/warm`, { keySets }),
    /** @param {string} path */
    remove: (path) => call('DELETE', imageApiPath(path)),
    /** @param {string} url @param {string} path @returns {Promise<ImageView>} */
    registerUrl: (url, path) => call('POST', 'images', path ? { url, path } : { url }),
    /** @param {string} keySet @returns {Promise<{ id: string }>} */
    startWarmJob: (keySet) => call('POST', 'warm', { keySet }),
    /** @param {string} id @returns {Promise<WarmJob>} */
    job: (id) => call('GET', `jobs/${encodeURIComponent(id)}`),

    /**
     * Uploads a file as multipart, reporting progress (fetch cannot report upload progress).
     * @param {File} file
     * @param {{ path?: string, replace?: boolean }} fields
     * @param {(sent: number, total: number) => void} onProgress
     * @returns {Promise<ImageView>}
     */
    upload(file, fields, onProgress) {
      const form = new FormData();
      if (fields.path) form.set('path', fields.path);
      form.set('file', file, file.name);
      return new Promise((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open('POST', new URL(fields.replace ? 'images?replace=true' : 'images', base));
        request.setRequestHeader('Authorization', `Bearer ${token}`);
        request.setRequestHeader('Accept', 'application/json');
        request.responseType = 'json';
        request.upload.addEventListener('progress', (event) => {
          if (event.lengthComputable) onProgress(event.loaded, event.total);
        });
        request.addEventListener('load', () => {
          if (request.status === 201) resolve(request.response);
          else reject(failure(request.status, request.response));
        });
        request.addEventListener('error', () =>
          reject(new ApiError(0, 'NETWORK', 'The upload was cut off before the server answered')),
        );
        request.send(form);
      });
    },
  };
}
