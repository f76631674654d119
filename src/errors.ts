// The one error type of rendition: a stable machine code, a public message, an HTTP status.

/**
 * Who answers a code: media URLs (`MEDIA_URL/...`), the admin API (`/admin/...`), or the
 * generated nginx config itself (docs/deployment.md#nginx-in-front).
 */
export type ErrorSurface = 'media' | 'admin' | 'nginx';

export interface ErrorInfo {
  readonly status: number;
  readonly surfaces: readonly ErrorSurface[];
  /** When a client gets it, one sentence: the docs' error table and the OpenAPI document. */
  readonly description: string;
  /** Headers every answer with this code carries, e.g. `Retry-After` on a 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

const BOTH = ['media', 'admin'] as const;

/**
 * Every error code a client can see: its status, where it comes from, when, and its
 * default headers. docs/troubleshooting.md and docs/urls.md print it (`npm run docs`).
 */
export const ERRORS = {
  BAD_PATH: {
    status: 400,
    surfaces: BOTH,
    description:
      'A path that breaks the media path grammar: `..`/`.`/empty segments (raw or percent-encoded), NUL or control bytes, a symlink leading out of its root; a raw (not percent-encoded) non-ASCII byte in the request target.',
  },
  ALIAS_PATH: {
    status: 400,
    surfaces: BOTH,
    description:
      'A rendition, `/info`, warm, registration or delete through an in-root symlink (`alias-dir -> photos`): these use the real path, which the message names, so a purge of the original reaches all of its renditions. The original itself is still served through the alias.',
  },
  BAD_RENDITION_URL: {
    status: 400,
    surfaces: ['media'],
    description:
      'A rendition tail that is not canonical: a malformed `WxH` (`0180x180`), an unknown format, a repeated or out-of-order filter, or, after an existing original, a near miss (`thumbnial/180x180`). The message gives the expected form.',
  },
  WATERMARK_NOT_CONFIGURED: {
    status: 400,
    surfaces: BOTH,
    description:
      'A rendition with the `watermark` filter on a server without `WATERMARK_IMAGE`; nothing is rendered or written.',
  },
  SIZE_NOT_ALLOWED: {
    status: 400,
    surfaces: ['media'],
    description:
      'A size no key set names and `ALLOWED_SIZES` does not list, with `ARBITRARY_SIZES` off and no valid signature.',
  },
  BAD_REQUEST: {
    status: 400,
    surfaces: ['admin'],
    description: 'A body, query or form field the admin API cannot accept; the message names it.',
  },
  SOURCE_ADDRESS_REFUSED: {
    status: 400,
    surfaces: ['admin'],
    description:
      'A URL to fetch resolves to a private, loopback or link-local address that `FETCH_ALLOW_CIDRS` does not allow.',
  },
  UNAUTHORIZED: {
    status: 401,
    surfaces: ['admin'],
    description:
      'The `Authorization: Bearer <ADMIN_TOKEN>` header is missing or holds the wrong token (also `/metrics` with `METRICS_REQUIRE_TOKEN=true`).',
  },
  BAD_SIGNATURE: {
    status: 403,
    surfaces: ['media'],
    description:
      'With `SIGNING_KEYS` set: a size outside the policy whose `?s=` signature is missing, malformed or wrong.',
  },
  FORBIDDEN: {
    status: 403,
    surfaces: ['nginx'],
    description:
      "A route forwarded with `--expose-admin` or `--expose-ops`, from an address outside nginx-config's `--allow`.",
  },
  NOT_FOUND: {
    status: 404,
    surfaces: [...BOTH, 'nginx'],
    description:
      'No such route (from nginx: any URL outside `MEDIA_URL` and the routes it forwards); from the admin API, no image or job at that path or id.',
  },
  ORIGINAL_NOT_FOUND: {
    status: 404,
    surfaces: ['media'],
    description:
      'No original at that path (with `REQUIRE_REGISTRATION=true`: none registered there), or a dotfile: a segment starting with `.`.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    surfaces: ['media'],
    description: 'Anything but GET and HEAD on a media URL.',
  },
  CONFLICT: {
    status: 409,
    surfaces: ['admin'],
    description: 'The path is taken; register again with `?replace=true` to replace it.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    surfaces: BOTH,
    description:
      "Node's HTTP parser did not receive the whole request in time (`headersTimeout`, `requestTimeout`).",
  },
  PRECONDITION_FAILED: {
    status: 412,
    surfaces: ['media'],
    description: '`If-Match` or `If-Unmodified-Since` does not hold.',
  },
  SOURCE_TOO_LARGE: {
    status: 413,
    surfaces: ['media', 'admin', 'nginx'],
    description:
      "An upload, a fetched original or a JSON body is larger than `MAX_SOURCE_BYTES`; from nginx, a body over its route's `client_max_body_size`; with `ORIGINALS_STORE=s3`, an original object larger than `MAX_SOURCE_BYTES` (never read whole).",
  },
  URI_TOO_LONG: {
    status: 414,
    surfaces: ['nginx'],
    description: "A request line over 8 KiB (nginx's `large_client_header_buffers`).",
  },
  UNSUPPORTED_IMAGE: {
    status: 415,
    surfaces: BOTH,
    description: 'The original is not an image of `INPUT_FORMATS`, or is truncated or corrupt.',
  },
  IMAGE_TOO_LARGE: {
    status: 422,
    surfaces: BOTH,
    description:
      'The original has more than `MAX_INPUT_PIXELS` pixels or `MAX_INPUT_FRAMES` frames (read from the header, before decoding).',
  },
  ANIMATION_TOO_LARGE: {
    status: 422,
    surfaces: BOTH,
    description:
      'An animated rendition of an original with more than `MAX_ANIMATION_PIXELS` frames x width x height (from the header, before decoding); its `filters/still` (first frame) and one-frame formats are still rendered.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    surfaces: [...BOTH, 'nginx'],
    description: 'Request headers over 16 KiB in all (Node), or one over 8 KiB (nginx).',
  },
  OVERLOADED: {
    status: 503,
    surfaces: BOTH,
    description: '`RENDER_QUEUE` renders already wait for one of the `RENDER_CONCURRENCY` slots.',
    headers: { 'Retry-After': '1' },
  },
  RENDER_TIMEOUT: {
    status: 503,
    surfaces: BOTH,
    description:
      'A render ran past `RENDER_TIMEOUT_MS`; it still finishes and is cached for the retry.',
    headers: { 'Retry-After': '5' },
  },
  REGISTRY_UNAVAILABLE: {
    status: 503,
    surfaces: BOTH,
    description: 'With `REGISTRY=postgres`: PostgreSQL at `DATABASE_URL` cannot be reached.',
    headers: { 'Retry-After': '5' },
  },
  ORIGINALS_UNAVAILABLE: {
    status: 503,
    surfaces: BOTH,
    description:
      'With `ORIGINALS_STORE=s3`: the bucket at `S3_ENDPOINT` cannot be reached or refused the request; renditions already cached keep being served.',
    headers: { 'Retry-After': '5' },
  },
  INTERNAL: {
    status: 500,
    surfaces: BOTH,
    description: 'An unexpected failure: logged with its stack, answered without one.',
  },
  INSUFFICIENT_STORAGE: {
    status: 507,
    surfaces: ['admin'],
    description:
      'The disk (or quota) under `MEDIA_ROOT` or `DATA_DIR` is full; nothing was stored or recorded.',
  },
  SOURCE_FETCH_FAILED: {
    status: 502,
    surfaces: ['admin'],
    description:
      'Fetching an original by URL failed: DNS, the connection, a non-2xx answer or too many redirects.',
  },
  SOURCE_TIMEOUT: {
    status: 504,
    surfaces: ['admin'],
    description: 'Fetching an original by URL took longer than `FETCH_TIMEOUT_MS`.',
  },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    surfaces: ['nginx'],
    description:
      'nginx could not reach Node (stopped or restarting) for a miss or a forwarded route; cached files are still served.',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    surfaces: ['nginx'],
    description: "Node did not answer nginx within nginx-config's `--upstream-timeout`.",
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

/** Every error code with the HTTP status it maps to (derived from {@link ERRORS}). */
export const ERROR_STATUS = Object.fromEntries(
  Object.entries(ERRORS).map(([code, info]) => [code, info.status]),
) as { readonly [K in ErrorCode]: (typeof ERRORS)[K]['status'] };

/**
 * An error whose message is safe to show a client. Anything that is not an AppError
 * reaches clients only as `INTERNAL` with a generic message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Response headers: the code's defaults ({@link ERRORS}), then any given here. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    const defaults: ErrorInfo = ERRORS[code];
    this.headers = { ...defaults.headers, ...options.headers };
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

/** The JSON body every error response carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Turns any thrown value into the status, headers and body a client may see. */
export function publicErrorFor(error: unknown): {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: ErrorBody;
} {
  if (error instanceof AppError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { error: { code: error.code, message: error.message } },
    };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'INTERNAL', message: 'Internal error' } },
  };
}

/** Quotes client input for an error message: escaped by JSON rules and cut to a sane length. */
export function quoteInput(input: string, maxLength = 80): string {
  const cut = input.length > maxLength ? `${input.slice(0, maxLength)}…` : input;
  return JSON.stringify(cut);
}
