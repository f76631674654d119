// `rendition serve`: starts the server, prints where everything is, stops on SIGTERM/SIGINT.

import type { Config } from '../config/load-config.js';
import { startServer } from '../server.js';
import type { AdminToken } from '../services/admin-token.js';
import { urlSetFor } from '../spec/key-sets.js';
import type { Command } from './cli-context.js';

export const serveCommand: Command = async function serveCommand(context) {
  const { config } = context;
  const server = await startServer(config);
  context.stdout.write(
    `${startLines(config, server.url, server.registry.size, server.adminToken).join('\n')}\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      context.stdout.write(`rendition: ${signal}, finishing in-flight requests\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  return 0;
};

function startLines(config: Config, url: string, registered: number, admin: AdminToken): string[] {
  const { mediaUrl } = config.http;
  return [
    `rendition listening on ${url}`,
    `  originals  MEDIA_ROOT=${config.roots.mediaRoot}  (served at ${mediaUrl}/<path>)`,
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
    'nginx in front: `npx rendition nginx-config --listen 8080`',
  ];
}

function adminTokenLine(admin: AdminToken): string {
  if (admin.file === undefined) return '  admin      token from ADMIN_TOKEN';
  if (admin.generated) return `  admin      token (new, kept in ${admin.file}): ${admin.token}`;
  return `  admin      token in ${admin.file}`;
}
