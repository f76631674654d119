// Fills in nginx/rendition.conf.template for the current settings (pure: no I/O).

import { TEMP_DIR_NAME } from '../cache/layout.js';
import { cacheControlFor } from '../cache/validators.js';
import type { Config } from '../config/load-config.js';
import { uploadBodyBytes } from '../config/upload-limits.js';
import { MEDIA_TYPES } from '../url/media-types.js';
import { FILTERS, OUTPUT_FORMATS, SIZERS } from '../url/rendition-spec.js';
import { ERROR_PAGES, errorLocations, errorPageDirectives, FORBIDDEN_PAGE } from './error-pages.js';
import {
  type ForwardedRoute,
  forwardedLocations,
  type RouteGroup,
  renditionRoutes,
} from './forwarded-routes.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';

export interface NginxConfigOptions {
  /** What nginx listens on (`--listen`; a bare port means 127.0.0.1). */
  readonly listen: ListenAddress;
  /** Route groups forwarded besides MEDIA_URL (`--expose-admin`, `--expose-ops`); default none. */
  readonly expose?: readonly RouteGroup[];
  /** Who may reach the exposed groups (`--allow`); default loopback only. */
  readonly allow?: readonly string[];
  /** Seconds nginx waits for Node's answer before a 504 (`--upstream-timeout`); default 60. */
  readonly upstreamTimeoutS?: number;
  /**
   * The web app every other URL goes to (`--app`: its pages, forms and static files), so one
   * server block serves the site; default none (every other URL is 404).
   */
  readonly app?: AppAddress;
}

/** Where the app listens: `host:port`, or a unix socket (gunicorn's `--bind unix:PATH`). */
export type AppAddress =
  | { readonly kind: 'tcp'; readonly address: ListenAddress }
  | { readonly kind: 'unix'; readonly path: string };

/** Who may reach exposed admin and ops routes unless `--allow` says otherwise. */
export const DEFAULT_ALLOW: readonly string[] = ['127.0.0.1', '::1'];
export const DEFAULT_UPSTREAM_TIMEOUT_S = 60;

// A media path in nginx's regex: exactly the grammar of src/url/media-path.ts (Unicode
// letters, marks and digits need PCRE's (*UTF) mode, which the original's location turns on).
const SEGMENT_RE = String.raw`[A-Za-z0-9._~@+\p{L}\p{M}\p{N}-]+`;
const PATH_RE = `${SEGMENT_RE}(?:/${SEGMENT_RE})*`;
// Bytes that are well-formed UTF-8; a URI that is not cannot reach a (*UTF) regex.
const UTF8_RE = String.raw`(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})`;
const FILTER_RE = FILTERS.join('|');
const SIZE_TAIL_RE = `/(?:${SIZERS.join('|')})/[0-9]+x[0-9]+`;
// Plain byte regexes (no (*UTF), no capture): a hit pays for nothing more.
const EXPLICIT_TAIL_RE = `${SIZE_TAIL_RE}\\.(?:${OUTPUT_FORMATS.join('|')})`;
const NEGOTIATED_TAIL_RE = `(?:${SIZE_TAIL_RE}|/filters/(?:${FILTER_RE})(?:/(?:${FILTER_RE}))*)`;
/**
 * Raw request targets Node must judge, never mapped to a file: encoded dots, slashes,
 * backslashes, percent signs and control bytes; `//`; a segment starting with `.` (`.`, `..`
 * and dotfiles, which nginx would resolve or serve); a backslash; and raw non-ASCII bytes,
 * which Node's HTTP parser refuses (both then answer its 400).
 */
const RAW_TO_NODE_RE = String.raw`%(?:2[eEfF5]|5[cC]|[01][0-9a-fA-F]|7[fF])|//|/\.|\x5c|[\x80-\xff]`;
/**
 * With SURROGATE_KEY_HEADER, also percent-encoded non-ASCII bytes: nginx's key would be the
 * decoded bytes, Node's is ASCII (src/cdn/surrogate-key.ts), so Node answers those paths.
 */
const RAW_TO_NODE_KEYED_RE = `${RAW_TO_NODE_RE}|%[89a-fA-F][0-9a-fA-F]`;

/** Characters that would change the meaning of an nginx config if they were in a root. */
const UNSAFE_IN_NGINX = /["$;{}\\\n\r\t#'\s]/;

/** Renders the nginx config; throws if a root cannot be written into nginx's syntax. */
export function renderNginxConfig(
  template: string,
  config: Config,
  options: NginxConfigOptions,
): string {
  const { mediaRoot, cacheRoot } = config.roots;
  for (const [name, path] of [
    ['MEDIA_ROOT', mediaRoot],
    ['CACHE_ROOT', cacheRoot],
  ] as const) {
    if (UNSAFE_IN_NGINX.test(path)) {
      throw new Error(
        `${name} ${JSON.stringify(path)} contains characters nginx-config cannot quote`,
      );
    }
  }
  if (options.app?.kind === 'unix' && UNSAFE_IN_NGINX.test(options.app.path)) {
    throw new Error(
      `--app socket ${JSON.stringify(options.app.path)} contains characters nginx-config cannot quote`,
    );
  }
  const routes = routesOf(config, options);
  const uploadBytes = uploadBodyBytes(config.admin.maxSourceBytes);
  const preferred = config.negotiation.preferred;
  const values: Record<string, string> = {
    MEDIA_URL: config.http.mediaUrl,
    MEDIA_URL_RE: config.http.mediaUrl.replace(/[.]/g, '\\.'),
    MEDIA_ROOT: mediaRoot,
    CACHE_ROOT: cacheRoot,
    TEMP_DIR: TEMP_DIR_NAME,
    NODE_ADDRESS: nodeAddressOf(config.server.host, config.server.port),
    NEGOTIATE_FORMATS: preferred.join(',') || '(off)',
    NEGOTIATE_MAP: preferred
      .map((format) => `    "~*image/${format === 'jpg' ? 'jpeg' : format}" .${format};`)
      .join('\n'),
    LISTEN: formatListenAddress(options.listen),
    FORWARDED:
      [
        ...routes.map((route) => `${route.name} (allow ${route.allow.join(' ')})`),
        ...(options.app === undefined
          ? []
          : [`every other URL to the app at ${appServer(options.app)}`]),
      ].join(', ') || 'none',
    APP_UPSTREAM: options.app === undefined ? '' : appUpstream(options.app),
    UPSTREAM_TIMEOUT: `${options.upstreamTimeoutS ?? DEFAULT_UPSTREAM_TIMEOUT_S}s`,
    ERROR_PAGES: errorPageDirectives(ERROR_PAGES, '    '),
    ERROR_LOCATIONS: errorLocations([...ERROR_PAGES, FORBIDDEN_PAGE], '    '),
    LOCATIONS: locationsOf(routes, options.app === undefined ? undefined : uploadBytes),
    TYPES: typesBlock(),
    PATH_RE,
    UTF8_RE,
    ...keyedParts(config),
    CACHE_CONTROL: cacheControlFor(config.http.cacheMaxAge),
    VARY: preferred.length > 0 ? '            add_header Vary Accept;' : '',
    ORIGINAL_ANSWER: originalAnswer(config, mediaRoot),
  };
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`Unknown placeholder ${placeholder} in the nginx template`);
    return value;
  });
}

/**
 * The parts that differ when answers name their original (SURROGATE_KEY_HEADER): the
 * locations then capture the original's path, and repeat the parent's headers (a location
 * with an add_header of its own inherits none). Off, a hit with an explicit format matches
 * a plain byte regex without captures and adds no header: nothing it does not need.
 */
function keyedParts(config: Config): Record<string, string> {
  const header = config.cdn.surrogateKeyHeader;
  if (header === undefined) {
    return {
      RAW_TO_NODE_RE,
      EXPLICIT_LOCATION_RE: EXPLICIT_TAIL_RE,
      EXPLICIT_HEADERS: '',
      NEGOTIATED_STEM_RE: `.+${NEGOTIATED_TAIL_RE}`,
      NEGOTIATED_KEY_HEADER: '',
      ORIGINAL_HEADERS: '',
    };
  }
  const mediaUrlRe = config.http.mediaUrl.replace(/[.]/g, '\\.');
  const filtersRe = `/filters/(?:${FILTER_RE})(?:/(?:${FILTER_RE}))*`;
  const parentHeaders = [
    `            add_header Cache-Control "${cacheControlFor(config.http.cacheMaxAge)}";`,
    '            add_header X-Content-Type-Options nosniff;',
  ];
  const keyHeader = (variable: string) => `            add_header ${header} $${variable};`;
  return {
    RAW_TO_NODE_RE: RAW_TO_NODE_KEYED_RE,
    // The shortest path before one optional filters block and the size: the original.
    EXPLICIT_LOCATION_RE: `^${mediaUrlRe}/(?<rendition_key>.+?)(?:${filtersRe})?${EXPLICIT_TAIL_RE}`,
    EXPLICIT_HEADERS: [...parentHeaders, keyHeader('rendition_key')].join('\n'),
    NEGOTIATED_STEM_RE: `(?<rendition_key>.+?)(?:(?:${filtersRe})?${SIZE_TAIL_RE}|${filtersRe})`,
    NEGOTIATED_KEY_HEADER: `${keyHeader('rendition_key')}\n`,
    ORIGINAL_HEADERS: `${[...parentHeaders, keyHeader('rendition_original')].join('\n')}\n`,
  };
}

/**
 * How nginx answers an original: from MEDIA_ROOT, or with ORIGINALS_STORE=s3 from Node
 * (originals live in the bucket; renditions are still files in CACHE_ROOT).
 */
function originalAnswer(config: Config, mediaRoot: string): string {
  if (config.originals.store === 's3') {
    return [
      '            # ORIGINALS_STORE=s3: Node streams the original (or redirects to the bucket).',
      '            return 418;',
    ].join('\n');
  }
  return [
    `            root "${mediaRoot}";`,
    '            disable_symlinks on from=$document_root;',
    '            try_files /$rendition_original @rendition_node;',
  ].join('\n');
}

/** The forwarded route groups, in the order their locations are written. */
function routesOf(config: Config, options: NginxConfigOptions): ForwardedRoute[] {
  return renditionRoutes({
    groups: options.expose ?? [],
    allow: options.allow ?? DEFAULT_ALLOW,
    uploadBodyBytes: uploadBodyBytes(config.admin.maxSourceBytes),
    jsonBodyBytes: config.admin.json.maxBytes,
  });
}

/** The `server` of the app's upstream. */
function appServer(app: AppAddress): string {
  return app.kind === 'unix' ? `unix:${app.path}` : formatListenAddress(app.address);
}

function appUpstream(app: AppAddress): string {
  return [
    '',
    '# The web app (`--app`): every URL that is neither MEDIA_URL nor a forwarded route.',
    'upstream app_pages {',
    `    server ${appServer(app)};`,
    '    keepalive 16;',
    '}',
  ].join('\n');
}

// Node's answer to a route it does not have (src/http/error-response.ts, notFoundResponse).
const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such route' } });

/**
 * The forwarded routes' locations, then what answers every other URL: the app when there is
 * one (`appBodyBytes`: its request body cap, the upload cap, as its forms upload images),
 * else 404 JSON.
 */
function locationsOf(routes: readonly ForwardedRoute[], appBodyBytes: number | undefined): string {
  const catchAll = appBodyBytes === undefined ? notFoundCatchAll() : appCatchAll(appBodyBytes);
  return [forwardedLocations(routes, '    '), catchAll]
    .filter((block) => block !== '')
    .join('\n\n');
}

function appCatchAll(bodyBytes: number): string {
  return [
    "    # Every other URL: the app's pages, forms and static files (`--app`). Its own answers",
    '    # pass through; only what nginx answers itself (502 with the app down, 413) is JSON.',
    '    location / {',
    `        client_max_body_size ${bodyBytes};`,
    '        proxy_pass http://app_pages;',
    '    }',
  ].join('\n');
}

function notFoundCatchAll(): string {
  return [
    '    # Every other URL: what Node answers for a route it does not have. Nothing else is',
    '    # forwarded unless asked (`--expose-admin`, `--expose-ops`).',
    '    location / {',
    // Node's HTTP parser refuses raw non-ASCII bytes in a target: let it, both answer alike.
    `        if ($request_uri ~ "[\\x80-\\xff]") { return 418; }`,
    '        default_type application/json;',
    '        add_header Cache-Control no-store always;',
    `        return 404 '${NOT_FOUND_BODY}';`,
    '    }',
  ].join('\n');
}

/** Where nginx reaches Node: a wildcard listen address is reached on loopback. */
function nodeAddressOf(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `127.0.0.1:${port}`;
  if (host === '::') return `[::1]:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function typesBlock(): string {
  const byType = new Map<string, string[]>();
  for (const [extension, type] of Object.entries(MEDIA_TYPES)) {
    byType.set(type, [...(byType.get(type) ?? []), extension]);
  }
  return [...byType]
    .map(([type, extensions]) => `        ${type} ${extensions.join(' ')};`)
    .join('\n');
}
