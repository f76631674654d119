// The help text of `rendition`, and the one-line synopsis of each command for usage errors.

/** One line per command, shown after a usage mistake in that command. */
export const SYNOPSIS = {
  serve: 'rendition serve',
  register:
    'rendition register <file|url> [--path P] [--warm K1,K2] [--replace] [--json] [--server URL]',
  warm: 'rendition warm [--key-set K] [--paths P1,P2] [--server URL]',
  delete: 'rendition delete <path> [--server URL]',
  'nginx-config':
    'rendition nginx-config [--listen [HOST:]PORT] [--expose-admin] [--expose-ops] [--allow CIDR] [--upstream-timeout S] [--standalone DIR] [--app [HOST:]PORT|unix:PATH]',
  gc: 'rendition gc [--dry-run]',
} as const;

export const USAGE = `Usage: rendition <command> [options]

Commands:
  serve                       start the HTTP server (default)
  register <file|url>         register an original: a local file is uploaded, an http(s) URL is
                              fetched by the server; prints its path and URL sets
      --path P                  its media path (default: chosen from the file name)
      --warm K1,K2              render these key sets right away
      --replace                 replace an original already at P (its renditions are dropped)
      --json                    print the server's JSON answer
  warm                        render a key set for every registered image, with progress and a
                              summary; exits 1 if any image failed
      --key-set K               the key set (default: the only one configured)
      --paths P1,P2             only these media paths (registered or not)
  delete <path>               delete an original, every rendition of it, and its record
  nginx-config                print the nginx config for these settings: nginx serves MEDIA_URL only
      --listen [HOST:]PORT      where nginx listens (default 8080; a bare port means 127.0.0.1)
      --expose-admin            also forward /admin/* (the upload route takes MAX_SOURCE_BYTES)
      --expose-ops              also forward /healthz and /metrics
      --allow CIDR              who may reach the exposed routes (repeatable; default 127.0.0.1, ::1)
      --upstream-timeout S      seconds nginx waits for Node's answer, then 504 (default 60)
      --standalone DIR          write DIR/nginx.conf, complete with pid, logs and temp paths in
                                DIR, for \`nginx -c DIR/nginx.conf -p DIR\` as any user
      --app ADDRESS             send every other URL to the web app at [HOST:]PORT or
                                unix:PATH (Django's pages), so one server block serves the site
  gc [--dry-run]              evict the least recently used renditions from CACHE_ROOT until it is
                              within CACHE_MAX_BYTES (down to CACHE_LOW_WATER_PERCENT), one line per
                              file; works on CACHE_ROOT itself, safe beside a running server
      --dry-run                 print what would be evicted, delete nothing
  help                        show this help and the settings table

register, warm and delete call the admin API of the RUNNING server (start it with
\`rendition serve\`); they never touch MEDIA_ROOT or CACHE_ROOT themselves.
  server  --server URL, else RENDITION_URL, else http://HOST:PORT from the settings below
          (HOST 0.0.0.0 or :: means this machine)
  token   ADMIN_TOKEN, else DATA_DIR/admin-token, which the server writes at its first start
  Errors of the API print as "rendition: <code>: <message>" and exit 1; usage mistakes exit 2.
`;
