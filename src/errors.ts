// The one error type of rendition: a stable machine code, a public message, an HTTP status.

/** Every error code a client can see, with the HTTP status it maps to. */
export const ERROR_STATUS = {
  BAD_PATH: 400,
  BAD_RENDITION_URL: 400,
  SIZE_NOT_ALLOWED: 400,
  BAD_REQUEST: 400,
  SOURCE_ADDRESS_REFUSED: 400,
  UNAUTHORIZED: 401,
  BAD_SIGNATURE: 403,
  /** nginx's allow-list refused the client's address (exposed admin and ops routes). */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORIGINAL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** Node's HTTP parser timed out waiting for the request (`headersTimeout`, `requestTimeout`). */
  REQUEST_TIMEOUT: 408,
  PRECONDITION_FAILED: 412,
  SOURCE_TOO_LARGE: 413,
  /** A request line longer than nginx's `large_client_header_buffers` (answered by nginx). */
  URI_TOO_LONG: 414,
  UNSUPPORTED_IMAGE: 415,
  IMAGE_TOO_LARGE: 422,
  /** Request headers over Node's or nginx's limit. */
  HEADERS_TOO_LARGE: 431,
  OVERLOADED: 503,
  RENDER_TIMEOUT: 503,
  REGISTRY_UNAVAILABLE: 503,
  INTERNAL: 500,
  INSUFFICIENT_STORAGE: 507,
  SOURCE_FETCH_FAILED: 502,
  SOURCE_TIMEOUT: 504,
  /** nginx could not reach Node (stopped, restarting) for a miss or a proxied route. */
  UPSTREAM_UNAVAILABLE: 502,
  /** Node did not answer nginx within its proxy timeouts. */
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * An error whose message is safe to show a client. Anything that is not an AppError
 * reaches clients only as `INTERNAL` with a generic message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra response headers, e.g. `Retry-After` on 503. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
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
