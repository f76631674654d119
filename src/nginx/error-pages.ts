// The answers nginx gives itself, in rendition's JSON error shape: `error_page` lines and the
// internal locations that return them.

import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../errors.js';

/** One answer nginx makes itself, for one or more of nginx's own statuses. */
export interface NginxErrorPage {
  /** The statuses nginx produces (494 is its own "request header too large"). */
  readonly nginxStatuses: readonly number[];
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Every server location gets these. A 400 is a target nginx refuses before any location
 * runs (a NUL or a bad escape, `..` above the root): such a URI cannot be proxied, so nginx
 * answers Node's status, type and error code, with a generic message.
 */
export const ERROR_PAGES: readonly NginxErrorPage[] = [
  { nginxStatuses: [400], code: 'BAD_PATH', message: 'Malformed request target' },
  {
    nginxStatuses: [412],
    code: 'PRECONDITION_FAILED',
    message: 'If-Match or If-Unmodified-Since does not hold',
  },
  {
    nginxStatuses: [413],
    code: 'SOURCE_TOO_LARGE',
    message: 'The request body is larger than this route accepts',
  },
  {
    nginxStatuses: [414],
    code: 'URI_TOO_LONG',
    message: 'Expected a request line of at most 8 KiB',
  },
  {
    nginxStatuses: [494],
    code: 'HEADERS_TOO_LARGE',
    message: 'Expected request headers of at most 8 KiB each',
  },
  {
    nginxStatuses: [502],
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'The rendition server is not reachable; try again shortly',
  },
  {
    nginxStatuses: [504],
    code: 'UPSTREAM_TIMEOUT',
    message: 'The rendition server did not answer in time',
  },
];

/** For locations behind an allow-list: its `deny` answers this (not a hand-over to Node). */
export const FORBIDDEN_PAGE: NginxErrorPage = {
  nginxStatuses: [403],
  code: 'FORBIDDEN',
  message: 'Not allowed from this address',
};

const uriOf = (page: NginxErrorPage) =>
  `/:rendition-error-${page.code.toLowerCase().replaceAll('_', '-')}`;

/** `error_page` lines for `pages`, indented for a server or location block. */
export function errorPageDirectives(pages: readonly NginxErrorPage[], indent: string): string {
  return pages
    .map((page) => {
      const status = ERROR_STATUS[page.code];
      const overwrite = page.nginxStatuses.every((s) => s === status) ? '' : `=${status} `;
      return `${indent}error_page ${page.nginxStatuses.join(' ')} ${overwrite}${uriOf(page)};`;
    })
    .join('\n');
}

/** The internal locations the `error_page` lines point at: JSON, never cached. */
export function errorLocations(pages: readonly NginxErrorPage[], indent: string): string {
  return pages
    .map((page) => {
      const body: ErrorBody = { error: { code: page.code, message: page.message } };
      return [
        `${indent}location = ${uriOf(page)} {`,
        `${indent}    internal;`,
        `${indent}    default_type application/json;`,
        `${indent}    add_header Cache-Control no-store always;`,
        `${indent}    add_header X-Content-Type-Options nosniff always;`,
        `${indent}    return ${ERROR_STATUS[page.code]} '${JSON.stringify(body)}';`,
        `${indent}}`,
      ].join('\n');
    })
    .join('\n');
}
