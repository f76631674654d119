// A complete nginx.conf around the site config, for nginx run as an unprivileged user: every
// file nginx writes (pid, logs, temp bodies) lives in one folder.

/** Characters that would change the meaning of the config if they were in the folder's path. */
const UNSAFE_IN_NGINX = /["$;{}\\\n\r\t#'\s]/;

/** Temp paths of every module compiled into Debian's nginx that may spool a body. */
const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'] as const;

export interface StandaloneOptions {
  /** The folder (absolute) that holds nginx.conf, nginx.pid, the logs and the temp paths. */
  readonly dir: string;
  /** The generated site config (renderNginxConfig), written inside http { }. */
  readonly siteConfig: string;
}

/**
 * The main config for `nginx -c <dir>/nginx.conf -p <dir>` as any user: no `user` line (a
 * worker runs as whoever starts nginx), one worker per core, `pcre_jit on` (the media
 * locations are regexes). Throws if `dir` cannot be written into nginx's syntax.
 */
export function renderStandaloneConfig(options: StandaloneOptions): string {
  if (!options.dir.startsWith('/') || UNSAFE_IN_NGINX.test(options.dir)) {
    throw new Error(
      `Expected an absolute folder without spaces, quotes or ;{}$#\\ for --standalone but received ${JSON.stringify(options.dir)}`,
    );
  }
  const at = (name: string) => `"${options.dir}/${name}"`;
  return [
    '# nginx in front of rendition, as an unprivileged user. Written by',
    '# `rendition nginx-config --standalone`; start, reload and stop it with',
    `#   nginx -c ${options.dir}/nginx.conf -p ${options.dir} [-s reload|quit]`,
    'worker_processes auto;',
    'pcre_jit on;',
    `pid ${at('nginx.pid')};`,
    `error_log ${at('error.log')} warn;`,
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    `    access_log ${at('access.log')};`,
    ...TEMP_PATHS.map((name) => `    ${name}_temp_path ${at(`${name}_temp`)};`),
    '',
    ...options.siteConfig
      .trimEnd()
      .split('\n')
      .map((line) => (line === '' ? '' : `    ${line}`)),
    '}',
    '',
  ].join('\n');
}
