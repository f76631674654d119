// The admin API client of the CLI: one fetch per call; the API's `{"error":{code,message}}`
// and network failures become CliErrors that say what happened and where.

import { CliError } from './cli-error.js';

export interface AdminClientOptions {
  /** `http(s)://host:port`, no trailing slash; calls go to `<baseUrl>/admin/...`. */
  readonly baseUrl: string;
  readonly token: string;
  /** Where the token came from, said after an UNAUTHORIZED answer. */
  readonly tokenSource: string;
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  /** Gives up after this many milliseconds (default: no limit; a register may warm long). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface AdminClient {
  readonly baseUrl: string;
  /**
   * Calls `<baseUrl>/admin<path>`. A FormData body goes as multipart, any other body as JSON.
   * Resolves to the parsed JSON answer (undefined for 204); throws a CliError otherwise.
   */
  request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<unknown>;
}

// Codes of a server that is not there (as opposed to one that answered badly).
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const fetchImpl = options.fetch ?? fetch;
  const { baseUrl } = options;

  return {
    baseUrl,
    async request(method, path, body, requestOptions = {}) {
      const url = `${baseUrl}/admin${path}`;
      const headers = new Headers({ Authorization: `Bearer ${options.token}` });
      let payload: RequestInit['body'];
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        headers.set('Content-Type', 'application/json');
        payload = JSON.stringify(body);
      }
      const signals = [requestOptions.signal, timeoutSignal(requestOptions.timeoutMs)].filter(
        (signal) => signal !== undefined,
      );
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers,
          ...(payload === undefined ? {} : { body: payload }),
          ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
        });
      } catch (error) {
        throw requestFailure(error, method, url, baseUrl, requestOptions.timeoutMs);
      }
      if (response.status === 204) return undefined;
      const text = await response.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        throw new CliError(
          `Expected a JSON answer from ${method} ${url} but received HTTP ${response.status} ${contentTypeOf(response)} (is ${baseUrl} a rendition server?)`,
        );
      }
      if (response.ok) return answer;
      const error = (answer as { error?: { code?: unknown; message?: unknown } }).error;
      if (typeof error?.code !== 'string') {
        throw new CliError(`HTTP ${response.status} from ${method} ${url}`);
      }
      const hint =
        error.code === 'UNAUTHORIZED' ? `\n  (the token came from ${options.tokenSource})` : '';
      throw new CliError(`${error.code}: ${String(error.message)}${hint}`, { code: error.code });
    },
  };
}

function timeoutSignal(timeoutMs: number | undefined): AbortSignal | undefined {
  return timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
}

function contentTypeOf(response: Response): string {
  return response.headers.get('content-type') ?? 'without a Content-Type';
}

function requestFailure(
  error: unknown,
  method: string,
  url: string,
  baseUrl: string,
  timeoutMs: number | undefined,
): unknown {
  const name = (error as { name?: unknown }).name;
  if (name === 'AbortError') return error;
  if (name === 'TimeoutError') {
    return new CliError(`no answer from ${method} ${url} within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new CliError(
      `cannot reach the rendition server at ${baseUrl} (${code}); is \`rendition serve\` running there? Set --server or RENDITION_URL to point elsewhere`,
      { cause: error },
    );
  }
  const why = code ?? (typeof cause?.message === 'string' ? cause.message : String(error));
  return new CliError(`${method} ${url} failed: ${why}`, { cause: error });
}
