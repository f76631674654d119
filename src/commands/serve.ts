// `rendition serve`: starts the server, prints where everything is, and on SIGTERM/SIGINT
// shuts down gracefully within SHUTDOWN_TIMEOUT_MS (exit 0; 1 if the deadline cut work).

import type { Config } from '../config/load-config.js';
import { startServerWithParts } from '../server.js';
import type { AdminToken } from '../services/admin-token.js';
import { urlSetFor } from '../url/key-sets.js';
import type { Command } from './cli-context.js';

export const serveCommand: Command = async function serveCommand(context) {
  const { config } = context;
  const server = await startServerWithParts(config);
  context.stdout.write(
    `${startLines(config, server.url, server.parts.registry.size, server.adminToken).join('\n')}\n`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const { timeoutMs } = config.shutdown;
  context.stdout.write(
    `rendition: ${signal}, finishing in-flight requests (up to ${timeoutMs} ms; send it again to stop now)\n`,
  );
  // A second signal stops at once; what it cuts is cleaned up at the next start.
  const now = (again: NodeJS.Signals) => {
    context.stderr.write(`rendition: ${again} again, stopping now\n`);
    process.exit(1);
  };
  process.once('SIGTERM', now);
  process.once('SIGINT', now);
  const { drained } = await server.close();
  if (drained) return 0;
  context.stderr.write(
    `rendition: in-flight requests were still running after SHUTDOWN_TIMEOUT_MS=${timeoutMs}; they were cut\n`,
  );
  return 1;
};

function startLines(config: Config, url: string, registered: number, admin: AdminToken): string[] {
  const { mediaUrl } = config.http;
  return [
    `rendition listening on ${url}`,
    `  originals  ${originalsAt(config)}  (served at ${mediaUrl}/<path>)`,
    `  cache      CACHE_ROOT=${config.roots.cacheRoot}`,
    `  data       DATA_DIR=${config.roots.dataDir}  (${registered} registered images)`,
    adminTokenLine(admin),
    `  config     ${config.configFile ?? '(built-in defaults; set CONFIG_FILE for key sets)'}`,
    '  key sets:',
    ...Object.entries(config.keySets).map(
      ([name, keySet]) =>
        `    ${name}: ${decodeURIComponent(JSON.stringify(urlSetFor(mediaUrl, 'PATH', keySet)))}`,
    ),
    `Try: copy a photo to ${config.roots.mediaRoot}/photo.jpg, then open ${url}${mediaUrl}/photo.jpg/thumbnail/180x180`,
    `Admin page: ${url}/admin/ui (sign in with the admin token)`,
    'nginx in front: `npx rendition nginx-config --listen 8080`',
    `Ops: ${url}/healthz, ${url}/metrics, ${url}/admin/openapi.json; JSON logs follow on stdout`,
  ];
}

function originalsAt(config: Config): string {
  const { store, s3 } = config.originals;
  if (store === 'local') return `MEDIA_ROOT=${config.roots.mediaRoot}`;
  const at = s3.endpoint === '' ? 'AWS' : s3.endpoint;
  return `ORIGINALS_STORE=s3 s3://${s3.bucket}/${s3.prefix === '' ? '' : `${s3.prefix}/`} at ${at}`;
}

function adminTokenLine(admin: AdminToken): string {
  if (admin.file === undefined) return '  admin      token from ADMIN_TOKEN';
  if (admin.generated) return `  admin      token (new, kept in ${admin.file}): ${admin.token}`;
  return `  admin      token in ${admin.file}`;
}
