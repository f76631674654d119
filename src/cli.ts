#!/usr/bin/env node
// Composition root of the command line: `rendition <command>` with the server's settings.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, type Config, loadConfig } from './config/load-config.js';
import { formatSettingsTable } from './config/settings-table.js';
import { renderNginxConfig } from './nginx/nginx-config.js';
import { startServer } from './server.js';
import type { AdminToken } from './services/admin-token.js';
import { urlSetFor } from './spec/key-sets.js';

const USAGE = `Usage: rendition <command> [options]

Commands:
  serve                       start the HTTP server (default)
  nginx-config [--listen N]   print the nginx config for these settings (nginx listens on N, default 8080)
  help                        show this help and the settings table

Settings come from environment variables and the optional CONFIG_FILE:
`;

const TEMPLATE_URL = new URL('../nginx/rendition.conf.template', import.meta.url);

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n${formatSettingsTable()}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rendition: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  switch (command) {
    case 'serve':
      return serveCommand(config);
    case 'nginx-config': {
      const { values } = parseArgs({
        args: [...rest],
        options: { listen: { type: 'string', default: '8080' } },
      });
      const template = await readFile(TEMPLATE_URL, 'utf8');
      process.stdout.write(
        renderNginxConfig(template, config, { listen: values.listen ?? '8080' }),
      );
      return 0;
    }
    default:
      process.stderr.write(`rendition: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

async function serveCommand(config: Config): Promise<number> {
  const server = await startServer(config);
  const { mediaUrl } = config.http;
  const lines = [
    `rendition listening on ${server.url}`,
    `  originals  MEDIA_ROOT=${config.roots.mediaRoot}  (served at ${mediaUrl}/<path>)`,
    `  cache      CACHE_ROOT=${config.roots.cacheRoot}`,
    `  data       DATA_DIR=${config.roots.dataDir}  (${server.registry.size} registered images)`,
    adminTokenLine(server.adminToken),
    `  config     ${config.configFile ?? '(built-in defaults; set CONFIG_FILE for key sets)'}`,
    '  key sets:',
    ...Object.entries(config.keySets).map(
      ([name, keySet]) =>
        `    ${name}: ${decodeURIComponent(JSON.stringify(urlSetFor(mediaUrl, 'PATH', keySet)))}`,
    ),
    `Try: copy a photo to ${config.roots.mediaRoot}/photo.jpg, then open ${server.url}${mediaUrl}/photo.jpg/thumbnail/180x180`,
    'nginx in front: `npx rendition nginx-config --listen 8080`',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`rendition: ${signal}, finishing in-flight requests\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  return 0;
}

function adminTokenLine(admin: AdminToken): string {
  if (admin.file === undefined) return '  admin      token from ADMIN_TOKEN';
  if (admin.generated) return `  admin      token (new, kept in ${admin.file}): ${admin.token}`;
  return `  admin      token in ${admin.file}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rendition: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
