// Fills in nginx/rendition.conf.template for the current settings (pure: no I/O).

import { cacheControlFor } from '../cache/validators.js';
import type { Config } from '../config/load-config.js';
import { MEDIA_TYPES } from '../url/media-types.js';
import { FILTERS, OUTPUT_FORMATS, SIZERS } from '../url/rendition-spec.js';

export interface NginxConfigOptions {
  /** What nginx listens on: a port, or `address:port`. */
  readonly listen: string;
}

// A media path in nginx's regex: exactly the grammar of src/url/media-path.ts (Unicode
// letters, marks and digits need PCRE's (*UTF) mode, which the locations turn on).
const SEGMENT_RE = String.raw`[A-Za-z0-9._~@+\p{L}\p{M}\p{N}-]+`;
const PATH_RE = `${SEGMENT_RE}(?:/${SEGMENT_RE})*`;
// Bytes that are well-formed UTF-8; a URI that is not cannot reach a (*UTF) regex.
const UTF8_RE = String.raw`(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})`;
const FILTER_RE = FILTERS.join('|');
const FILTERS_ONLY_RE = `filters/(?:${FILTER_RE})(?:/(?:${FILTER_RE}))*`;
const OPS_RE = `(?:${FILTERS_ONLY_RE}/)?(?:${SIZERS.join('|')})/[0-9]+x[0-9]+`;

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
  const preferred = config.negotiation.preferred;
  const values: Record<string, string> = {
    MEDIA_URL: config.http.mediaUrl,
    MEDIA_URL_RE: config.http.mediaUrl.replace(/[.]/g, '\\.'),
    MEDIA_ROOT: mediaRoot,
    CACHE_ROOT: cacheRoot,
    NODE_ADDRESS: nodeAddressOf(config.server.host, config.server.port),
    NEGOTIATE_FORMATS: preferred.join(',') || '(off)',
    NEGOTIATE_MAP: preferred
      .map((format) => `    "~*image/${format === 'jpg' ? 'jpeg' : format}" .${format};`)
      .join('\n'),
    LISTEN: options.listen,
    CLIENT_MAX_BODY_SIZE: '64m',
    TYPES: typesBlock(),
    PATH_RE,
    UTF8_RE,
    OPS_RE,
    FILTERS_ONLY_RE,
    FORMATS_RE: OUTPUT_FORMATS.join('|'),
    CACHE_CONTROL: cacheControlFor(config.http.cacheMaxAge),
    VARY: preferred.length > 0 ? '        add_header Vary Accept;' : '',
  };
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`Unknown placeholder ${placeholder} in the nginx template`);
    return value;
  });
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
