// The routes besides MEDIA_URL that nginx forwards, each only when asked: location blocks
// built from a list, so another group (an app's pages) is one more entry.

import { ERROR_PAGES, errorPageDirectives, FORBIDDEN_PAGE } from './error-pages.js';

/** A group of routes nginx forwards to an upstream, behind an allow-list. */
export interface ForwardedRoute {
  /** What the group is, for the config's comments (`admin`, `ops`). */
  readonly name: string;
  /** nginx location arguments, e.g. `^~ /admin/` or `= /healthz`. */
  readonly locations: readonly ForwardedLocation[];
  /** The `upstream` block it goes to. */
  readonly upstream: string;
  /** `allow` entries (addresses, CIDRs, or `all`); everyone else gets 403 JSON. */
  readonly allow: readonly string[];
}

export interface ForwardedLocation {
  readonly match: string;
  /** Extra directives, e.g. a larger `client_max_body_size` for the upload route. */
  readonly directives?: readonly string[];
}

/** Route groups rendition itself serves besides MEDIA_URL. */
export type RouteGroup = 'admin' | 'ops';
export const ROUTE_GROUPS: readonly RouteGroup[] = ['admin', 'ops'];

/** The location blocks of the routes Node serves besides MEDIA_URL, for each group asked. */
export function renditionRoutes(options: {
  readonly groups: readonly RouteGroup[];
  readonly allow: readonly string[];
  /** Largest upload request body, in bytes (the app's cap plus the multipart envelope). */
  readonly uploadBodyBytes: number;
  /** Largest JSON body of every other admin route, in bytes (MAX_JSON_BODY_BYTES). */
  readonly jsonBodyBytes: number;
}): ForwardedRoute[] {
  const routes: ForwardedRoute[] = [];
  if (options.groups.includes('admin')) {
    routes.push({
      name: 'admin',
      upstream: 'rendition_node',
      allow: options.allow,
      locations: [
        // The upload route alone takes a large body; nginx streams it to Node, which
        // refuses a request without a valid token before reading any of it.
        {
          match: '= /admin/images',
          directives: [
            `client_max_body_size ${options.uploadBodyBytes};`,
            'proxy_request_buffering off;',
          ],
        },
        // The other admin routes take JSON only: nginx refuses (413) what Node would.
        {
          match: '^~ /admin/',
          directives: [
            `client_max_body_size ${options.jsonBodyBytes};`,
            'proxy_request_buffering off;',
          ],
        },
      ],
    });
  }
  if (options.groups.includes('ops')) {
    routes.push({
      name: 'ops',
      upstream: 'rendition_node',
      allow: options.allow,
      locations: [{ match: '= /healthz' }, { match: '= /metrics' }],
    });
  }
  return routes;
}

/** The nginx location blocks of `routes`, in order. */
export function forwardedLocations(routes: readonly ForwardedRoute[], indent: string): string {
  const inner = `${indent}    `;
  return routes
    .flatMap((route) =>
      route.locations.map((location) =>
        [
          `${indent}# ${route.name}: forwarded to ${route.upstream}, allow-list below.`,
          `${indent}location ${location.match} {`,
          ...route.allow.map((entry) => `${inner}allow ${entry};`),
          `${inner}deny all;`,
          // A location's own error_page list replaces the server's: the 403 of the deny
          // answers JSON here instead of going to Node.
          errorPageDirectives([FORBIDDEN_PAGE, ...ERROR_PAGES], inner),
          ...(location.directives ?? []).map((directive) => `${inner}${directive}`),
          `${inner}proxy_pass http://${route.upstream};`,
          `${indent}}`,
        ].join('\n'),
      ),
    )
    .join('\n\n');
}
