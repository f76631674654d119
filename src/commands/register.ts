// `rendition register <file|url>`: uploads a local file (streamed from disk) or hands the
// server a URL to fetch, then prints the record's path and URL sets.

import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ImageView, WarmSummary } from '../services/image-service.js';
import { adminClientFor } from './admin-target.js';
import type { Command } from './cli-context.js';
import { CliError } from './cli-error.js';
import { listOption, parseCommandArgs } from './parse-command-args.js';

/** The answer of `POST /admin/images`. */
type Registered = ImageView & { warmed?: Record<string, WarmSummary> };

const OPTIONS = {
  path: { type: 'string' },
  warm: { type: 'string', multiple: true },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
  server: { type: 'string' },
} as const;

/** Exit 0 once registered; renditions that failed to warm are listed on stderr. */
export const registerCommand: Command = async function registerCommand(context, args) {
  const { values, positionals } = parseCommandArgs('register', args, OPTIONS, ['<file|url>']);
  const source = positionals[0] as string;
  const warm = listOption(values.warm);
  const body = /^https?:\/\//i.test(source)
    ? {
        url: source,
        ...(values.path === undefined ? {} : { path: values.path }),
        ...(warm.length === 0 ? {} : { warm }),
      }
    : await uploadForm(source, values.path, warm);
  const client = await adminClientFor(context, values.server);
  const query = values.replace === true ? '?replace=true' : '';
  const answer = (await client.request('POST', `/images${query}`, body).catch((error: unknown) => {
    // The API's message speaks of ?replace=true; say the flag's name here.
    if (error instanceof CliError && error.code === 'CONFLICT') {
      throw new CliError(`${error.message}\n  (run again with --replace to replace it)`, {
        code: error.code,
        cause: error,
      });
    }
    throw error;
  })) as Registered;

  if (values.json === true) context.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  else context.stdout.write(formatRegistered(answer));
  for (const [keySet, summary] of Object.entries(answer.warmed ?? {})) {
    for (const failure of summary.failed) {
      context.stderr.write(
        `rendition: warming ${keySet}.${failure.name} (${failure.format}) failed: ${failure.error.code}: ${failure.error.message}\n`,
      );
    }
  }
  return 0;
};

/** The multipart body: the file part is a disk-backed Blob, so fetch streams it. */
async function uploadForm(
  file: string,
  path: string | undefined,
  warm: readonly string[],
): Promise<FormData> {
  const info = await stat(file).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `cannot upload ${file}: no such file (a URL must start with http:// or https://)`
        : `cannot upload ${file}: ${code ?? (error as Error).message}`,
      { cause: error },
    );
  });
  if (!info.isFile()) throw new CliError(`cannot upload ${file}: not a regular file`);
  const form = new FormData();
  if (path !== undefined) form.set('path', path);
  if (warm.length > 0) form.set('warm', warm.join(','));
  form.set('file', await openAsBlob(file), basename(file));
  return form;
}

/** The human-readable answer: path and facts, then each key set's URLs, then warm counts. */
function formatRegistered(answer: Registered): string {
  const from = answer.source.kind === 'url' ? `from ${answer.source.url}` : 'uploaded';
  const lines = [
    `registered ${answer.path} (${answer.width}x${answer.height} ${answer.format}, ${answer.bytes} bytes, ${from})`,
  ];
  for (const [keySet, urls] of Object.entries(answer.urls)) {
    lines.push(`  ${keySet}:`);
    const width = Math.max(...Object.keys(urls).map((name) => name.length));
    for (const [name, url] of Object.entries(urls)) lines.push(`    ${name.padEnd(width)}  ${url}`);
  }
  for (const [keySet, summary] of Object.entries(answer.warmed ?? {})) {
    lines.push(
      `  warmed ${keySet}: ${summary.created} created, ${summary.existing} existing, ${summary.failed.length} failed`,
    );
  }
  return `${lines.join('\n')}\n`;
}
