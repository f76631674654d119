// `rendition delete <path>`: deletes an original, every rendition of it and its record.

import { checkMediaPath } from '../url/media-path.js';
import { adminClientFor } from './admin-target.js';
import type { Command } from './cli-context.js';
import { parseCommandArgs } from './parse-command-args.js';

const OPTIONS = { server: { type: 'string' } } as const;

export const deleteCommand: Command = async function deleteCommand(context, args) {
  const { values, positionals } = parseCommandArgs('delete', args, OPTIONS, ['<path>']);
  // Checked here too: a `..` segment would otherwise be resolved away by URL parsing.
  const path = checkMediaPath(positionals[0] as string);
  const client = await adminClientFor(context, values.server);
  await client.request('DELETE', `/images/${path.split('/').map(encodeURIComponent).join('/')}`);
  context.stdout.write(`deleted ${path}\n`);
  return 0;
};
