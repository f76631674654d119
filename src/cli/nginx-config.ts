// `rendition nginx-config [--listen N]`: prints the nginx config for the current settings.

import { readFile } from 'node:fs/promises';
import { renderNginxConfig } from '../nginx/nginx-config.js';
import type { Command } from './cli-context.js';
import { parseCommandArgs } from './parse-command-args.js';

// From dist/cli/ (or src/cli/) to the package's nginx/ directory.
const TEMPLATE_URL = new URL('../../nginx/rendition.conf.template', import.meta.url);

const OPTIONS = { listen: { type: 'string', default: '8080' } } as const;

export const nginxConfigCommand: Command = async function nginxConfigCommand(context, args) {
  const { values } = parseCommandArgs('nginx-config', args, OPTIONS);
  const template = await readFile(TEMPLATE_URL, 'utf8');
  context.stdout.write(renderNginxConfig(template, context.config, { listen: values.listen }));
  return 0;
};
