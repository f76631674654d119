// `rendition nginx-config`: prints the nginx config for the current settings, or writes a
// complete nginx.conf for an unprivileged nginx (`--standalone <dir>`).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RouteGroup } from '../nginx/forwarded-routes.js';
import { checkAllowEntry, parseListenAddress } from '../nginx/listen-address.js';
import {
  type AppAddress,
  DEFAULT_ALLOW,
  type NginxConfigOptions,
  renderNginxConfig,
} from '../nginx/nginx-config.js';
import { renderStandaloneConfig } from '../nginx/standalone-config.js';
import type { Command } from './cli-context.js';
import { listOption, parseCommandArgs, usageError } from './parse-command-args.js';

// From dist/commands/ (or src/commands/) to the package's nginx/ directory.
const TEMPLATE_URL = new URL('../../nginx/rendition.conf.template', import.meta.url);

const OPTIONS = {
  listen: { type: 'string', default: '8080' },
  'expose-admin': { type: 'boolean', default: false },
  'expose-ops': { type: 'boolean', default: false },
  allow: { type: 'string', multiple: true },
  'upstream-timeout': { type: 'string', default: '60' },
  standalone: { type: 'string' },
  app: { type: 'string' },
} as const;

export const nginxConfigCommand: Command = async function nginxConfigCommand(context, args) {
  const { values } = parseCommandArgs('nginx-config', args, OPTIONS);
  let options: NginxConfigOptions;
  try {
    options = optionsOf(values);
  } catch (error) {
    throw usageError('nginx-config', (error as Error).message);
  }
  const template = await readFile(TEMPLATE_URL, 'utf8');
  const siteConfig = renderNginxConfig(template, context.config, options);
  if (values.standalone === undefined) {
    context.stdout.write(siteConfig);
    return 0;
  }
  const dir = resolve(values.standalone);
  const mainConfig = renderStandaloneConfig({ dir, siteConfig });
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  await writeFile(file, mainConfig);
  context.stdout.write(`wrote ${file}\nstart it with: nginx -c ${file} -p ${dir}\n`);
  return 0;
};

function optionsOf(values: {
  listen: string;
  'expose-admin': boolean;
  'expose-ops': boolean;
  allow?: string[];
  'upstream-timeout': string;
  app?: string;
}): NginxConfigOptions {
  const expose: RouteGroup[] = [
    ...(values['expose-admin'] ? (['admin'] as const) : []),
    ...(values['expose-ops'] ? (['ops'] as const) : []),
  ];
  const allow = listOption(values.allow).map(checkAllowEntry);
  if (allow.length > 0 && expose.length === 0) {
    throw new Error('Expected --expose-admin or --expose-ops with --allow (it applies to them)');
  }
  const timeout = values['upstream-timeout'];
  if (!/^[1-9][0-9]{0,4}$/.test(timeout)) {
    throw new Error(
      `Expected --upstream-timeout in whole seconds (1-99999) but received ${JSON.stringify(timeout)}`,
    );
  }
  if (values.app !== undefined && expose.includes('admin')) {
    throw new Error(
      "Expected --app without --expose-admin: the app's pages (Django's admin) and rendition's admin API both live under /admin/; let the app call rendition's admin API on Node directly",
    );
  }
  return {
    listen: parseListenAddress(values.listen),
    expose,
    allow: allow.length > 0 ? allow : DEFAULT_ALLOW,
    upstreamTimeoutS: Number(timeout),
    ...(values.app === undefined ? {} : { app: parseAppAddress(values.app) }),
  };
}

/** `--app`: `[HOST:]PORT` (a bare port on 127.0.0.1) or `unix:/path/to.sock`. */
function parseAppAddress(value: string): AppAddress {
  if (value.startsWith('unix:')) {
    const path = value.slice('unix:'.length);
    if (!path.startsWith('/')) {
      throw new Error(
        `Expected --app unix:/absolute/path.sock but received ${JSON.stringify(value)}`,
      );
    }
    return { kind: 'unix', path };
  }
  try {
    return { kind: 'tcp', address: parseListenAddress(value) };
  } catch {
    throw new Error(
      `Expected --app as [HOST:]PORT (e.g. 8000, 127.0.0.1:8000) or unix:/path.sock but received ${JSON.stringify(value)}`,
    );
  }
}
