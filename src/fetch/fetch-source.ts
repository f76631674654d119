// Fetching an original by URL: public http(s) addresses only, one deadline, a byte cap, re-checked redirects.

import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { open, rm } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AppError, type ErrorCode, quoteInput } from '../errors.js';
import { isOutOfSpace, translateStorageError } from '../fs/storage-errors.js';
import { type Cidr, parseCidrs, refusalOf } from './source-address.js';

export { isAddressAllowed } from './source-address.js';

/** A resolved address, as `dns.lookup` with `{ all: true }` reports it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface FetchSourceOptions {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Deadline for the whole fetch (connect, redirects, body), in ms. */
  readonly timeoutMs: number;
  /** Redirects followed at most (each re-checked). Default 5. */
  readonly maxRedirects?: number;
  /** CIDRs (e.g. "127.0.0.1/32", "10.0.0.0/8", "::1/128") allowed even though private/loopback/etc. Default []. */
  readonly allowCidrs?: readonly string[];
  /** DNS resolver, injectable for tests: same contract as node:dns lookup with {all: true}. Default dns.lookup. */
  readonly lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

/** What a successful fetch stored. */
export interface FetchedSource {
  /** Body size, in bytes. */
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the body. */
  readonly sha256: string;
  /** The URL the body finally came from, after redirects. */
  readonly finalUrl: string;
  /** From Content-Disposition, else the final URL's last path segment (percent-decoded); never a path. */
  readonly fileName: string | undefined;
}

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const MAX_FILE_NAME_LENGTH = 255;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Streams the body of `url` to `destination` (created/overwritten); throws AppError. On any
 * failure `destination` is removed. Every hop's addresses are checked before connecting, and the
 * connection goes to the checked address itself, so a second DNS answer cannot redirect it.
 */
export async function fetchSource(
  url: string,
  destination: string,
  options: FetchSourceOptions,
): Promise<FetchedSource> {
  const limits = checkOptions(options);
  const controller = new AbortController();
  // One deadline for DNS, connect, every redirect and the body: a slow-drip source cannot hold a worker.
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await fetchWithin(url, destination, limits, controller.signal);
  } catch (error) {
    // The fetch error is the one worth reporting; a file that cannot be removed is not the client's.
    await rm(destination, { force: true }).catch(() => undefined);
    if (error instanceof AppError) throw error;
    if (isOutOfSpace(error)) throw translateStorageError(error, 'the fetched original');
    if (controller.signal.aborted) {
      throw new AppError(
        'SOURCE_TIMEOUT',
        `Expected ${quoteInput(url)} within ${options.timeoutMs} ms but it took longer`,
        { cause: error },
      );
    }
    throw new AppError(
      'SOURCE_FETCH_FAILED',
      `Expected a response from ${quoteInput(url)} but the fetch failed (${reasonOf(error)})`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

interface Limits {
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly cidrs: readonly Cidr[];
  readonly lookup: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

function checkOptions(options: FetchSourceOptions): Limits {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const counts = { maxBytes: options.maxBytes, maxRedirects };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new TypeError(`Expected a whole number >= 0 for ${name} but received ${String(value)}`);
  }
  // setTimeout turns anything past 2^31 - 1 ms into 1 ms: refuse it rather than time out at once.
  const { timeoutMs } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) {
    throw new TypeError(
      `Expected a whole number of ms from 1 to ${MAX_TIMER_MS} for timeoutMs but received ${String(timeoutMs)}`,
    );
  }
  return {
    maxBytes: options.maxBytes,
    maxRedirects,
    cidrs: parseCidrs(options.allowCidrs ?? []),
    lookup: options.lookup ?? systemLookup,
  };
}

async function fetchWithin(
  url: string,
  destination: string,
  limits: Limits,
  signal: AbortSignal,
): Promise<FetchedSource> {
  let target = checkSourceUrl(url, undefined);
  for (let redirects = 0; ; redirects++) {
    const address = await checkedAddressOf(target, limits, signal);
    const { request, response } = await send(target, address, signal);
    try {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        if (redirects >= limits.maxRedirects) {
          throw new AppError(
            'SOURCE_FETCH_FAILED',
            `Expected at most ${limits.maxRedirects} redirects but ${quoteInput(url)} led to more`,
          );
        }
        target = checkSourceUrl(location, target);
        continue;
      }
      if (status < 200 || status > 299) {
        throw new AppError(
          'SOURCE_FETCH_FAILED',
          `Expected a 2xx status from ${quoteInput(target.href)} but received ${status}`,
        );
      }
      return await saveBody(response, destination, target, limits.maxBytes, signal);
    } finally {
      // One socket per request (no agent): nothing is pooled, so close it whatever happened.
      response.destroy();
      request.destroy();
    }
  }
}

/** Parses and checks one hop's URL; `base` is the URL that redirected here, if any. */
function checkSourceUrl(input: string, base: URL | undefined): URL {
  // A bad first URL is the client's mistake (400); a bad redirect is the source's (502).
  const code: ErrorCode = base === undefined ? 'BAD_REQUEST' : 'SOURCE_FETCH_FAILED';
  const what = base === undefined ? 'an http(s) URL' : 'a redirect to an http(s) URL';
  let parsed: URL;
  try {
    parsed = new URL(input, base);
  } catch (error) {
    throw new AppError(code, `Expected ${what} but received ${quoteInput(input)}`, {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AppError(code, `Expected ${what} but received ${quoteInput(parsed.protocol)}`);
  // Never echo the credentials themselves.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new AppError(
      code,
      `Expected ${what} without user name or password but received one for ${quoteInput(parsed.host)}`,
    );
  }
  return parsed;
}

/** Resolves the hop's host (IP literals as they are), checks every answer, returns the one to use. */
async function checkedAddressOf(
  target: URL,
  limits: Limits,
  signal: AbortSignal,
): Promise<ResolvedAddress> {
  const host = bareHostname(target);
  let answers: readonly ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) answers = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      answers = await untilAborted(limits.lookup(host), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new AppError(
        'SOURCE_FETCH_FAILED',
        `Expected ${quoteInput(host)} to resolve but the lookup failed (${reasonOf(error)})`,
        { cause: error },
      );
    }
  }
  // Every answer, not just the first: a resolver answering public-then-private is refused outright.
  for (const { address } of answers) {
    const refusal = refusalOf(address, limits.cidrs);
    if (refusal !== undefined) {
      throw new AppError(
        'SOURCE_ADDRESS_REFUSED',
        `Expected ${quoteInput(host)} to reach only public addresses but it reaches ${quoteInput(address)} (${refusal}); to fetch from it anyway, add its range (e.g. ${address}/${isIP(address) === 6 ? 128 : 32}) to FETCH_ALLOW_CIDRS`,
      );
    }
  }
  const first = answers[0];
  if (first === undefined) {
    throw new AppError(
      'SOURCE_FETCH_FAILED',
      `Expected ${quoteInput(host)} to resolve to an address but received none`,
    );
  }
  return first;
}

function send(
  target: URL,
  address: ResolvedAddress,
  signal: AbortSignal,
): Promise<{ request: ClientRequest; response: IncomingMessage }> {
  const host = bareHostname(target);
  // Pinned: the socket connects to the address just checked, never to a fresh DNS answer (rebinding).
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
  const requestOptions: RequestOptions & { servername?: string } = {
    host,
    port: target.port === '' ? undefined : Number(target.port),
    path: `${target.pathname}${target.search}`,
    method: 'GET',
    headers: {
      host: target.host,
      'user-agent': 'rendition',
      accept: '*/*',
      // Stored as received: asking for identity keeps a compressed body from being a size trick.
      'accept-encoding': 'identity',
    },
    lookup: pinnedLookup,
    agent: false,
    signal,
  };
  // TLS checks the certificate against the hostname, not the pinned address; SNI never carries an IP.
  if (target.protocol === 'https:') requestOptions.servername = isIP(host) === 0 ? host : '';
  const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = requester(requestOptions, (response) => resolve({ request, response }));
    request.on('error', reject);
    request.end();
  });
}

async function saveBody(
  response: IncomingMessage,
  destination: string,
  target: URL,
  maxBytes: number,
  signal: AbortSignal,
): Promise<FetchedSource> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError(
      'SOURCE_TOO_LARGE',
      `Expected at most ${maxBytes} bytes but the source declares ${declared}`,
    );
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(destination, 'w');
  const stop = () => response.destroy(new Error('Fetch deadline passed'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    if (signal.aborted) stop();
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // Counted, not trusted from Content-Length: chunked or endless bodies stop here too.
      if (bytes > maxBytes) {
        throw new AppError(
          'SOURCE_TOO_LARGE',
          `Expected at most ${maxBytes} bytes but the source sent more`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await file.close();
  }
  return {
    bytes,
    sha256: hash.digest('hex'),
    finalUrl: target.href,
    fileName: fileNameOf(target, response.headers['content-disposition']),
  };
}

function fileNameOf(target: URL, disposition: string | undefined): string | undefined {
  const fromHeader = disposition === undefined ? undefined : dispositionFileName(disposition);
  const segment = target.pathname.split('/').at(-1) ?? '';
  const raw = fromHeader ?? percentDecoded(segment);
  // Only the last segment, no control characters: the name is a hint, never a path.
  const last = raw.split(/[/\\]/).at(-1) ?? '';
  const clean = [...last]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, MAX_FILE_NAME_LENGTH);
  return clean === '' || clean === '.' || clean === '..' ? undefined : clean;
}

/** `filename*=` (RFC 5987) wins over `filename=`, as RFC 6266 says. */
function dispositionFileName(header: string): string | undefined {
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^']*)'[^']*'([^;\s]+)/i.exec(header);
  if (extended?.[2] !== undefined) return percentDecoded(extended[2]);
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, '$1');
  const token = /(?:^|;)\s*filename\s*=\s*([^;\s]+)/i.exec(header);
  return token?.[1];
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The hostname without IPv6 brackets, as sockets want it. */
function bareHostname(target: URL): string {
  const { hostname } = target;
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

async function systemLookup(hostname: string): Promise<readonly ResolvedAddress[]> {
  const answers = await dnsLookup(hostname, { all: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

/** `promise`, or the abort: dns.lookup cannot be cancelled, but the fetch need not wait for it. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('Fetch deadline passed'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}
