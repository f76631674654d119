// `rendition warm`: starts a bulk warm job (POST /admin/warm), polls it with progress on stderr,
// then prints a summary and every failure; exit 1 if any image failed.

import { setTimeout as sleep } from 'node:timers/promises';
import type { WarmJob } from '../services/warm-jobs.js';
import type { AdminClient } from './admin-client.js';
import { adminClientFor } from './admin-target.js';
import type { Command } from './cli-context.js';
import { listOption, parseCommandArgs, usageError } from './parse-command-args.js';
import { createWarmProgress } from './warm-progress.js';

/** How often the job is polled, in milliseconds. */
export const POLL_MS = 250;
// One poll is a map lookup on the server; a minute without an answer means it is gone.
const POLL_TIMEOUT_MS = 60_000;

const OPTIONS = {
  'key-set': { type: 'string' },
  paths: { type: 'string', multiple: true },
  server: { type: 'string' },
} as const;

export const warmCommand: Command = async function warmCommand(context, args) {
  const { values } = parseCommandArgs('warm', args, OPTIONS);
  const paths = values.paths === undefined ? undefined : listOption(values.paths);
  if (paths?.length === 0) throw usageError('warm', 'Expected --paths a.jpg,b.jpg but got none');
  const client = await adminClientFor(context, values.server);
  const keySet = values['key-set'] ?? (await onlyKeySet(client));
  const { id } = (await client.request('POST', '/warm', {
    keySet,
    ...(paths === undefined ? {} : { paths }),
  })) as { id: string };

  // Ctrl-C leaves the job running on the server; say so instead of dying mid-bar.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  const progress = createWarmProgress(context.stderr);
  let job: WarmJob;
  try {
    job = await pollUntilFinished(client, id, interrupt.signal, (polled) =>
      progress.update(polled),
    );
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    progress.stop();
    context.stderr.write(
      `\nrendition: interrupted; the job keeps running on the server (GET /admin/jobs/${id})\n`,
    );
    return 130;
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onInterrupt);
  }
  context.stdout.write(formatWarmSummary(job));
  return job.state === 'done' && job.failed.length === 0 ? 0 : 1;
};

async function pollUntilFinished(
  client: AdminClient,
  id: string,
  signal: AbortSignal,
  onPoll: (job: WarmJob) => void,
): Promise<WarmJob> {
  for (;;) {
    const job = (await client.request('GET', `/jobs/${encodeURIComponent(id)}`, undefined, {
      timeoutMs: POLL_TIMEOUT_MS,
      signal,
    })) as WarmJob;
    onPoll(job);
    if (job.state !== 'running') return job;
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** Without --key-set: the configured key set, if there is exactly one. */
async function onlyKeySet(client: AdminClient): Promise<string> {
  const { keySets } = (await client.request('GET', '/key-sets')) as {
    keySets: Record<string, unknown>;
  };
  const names = Object.keys(keySets);
  if (names.length === 1) return names[0] as string;
  throw usageError(
    'warm',
    `Expected --key-set, one of: ${names.join(', ') || '(none configured on the server)'}`,
  );
}

/** `warmed N images (M renditions created), F failed`, then one line per failure. */
function formatWarmSummary(job: WarmJob): string {
  const warmed = job.done - job.failed.length;
  const lines = [
    `warmed ${warmed} images (${job.created} renditions created), ${job.failed.length} failed`,
    ...job.failed.map(({ path, error }) => `  ${path}: ${error.code}: ${error.message}`),
  ];
  if (job.state === 'stopped') {
    lines.push(`stopped after ${job.done} of ${job.total} images: the server shut down`);
  }
  return `${lines.join('\n')}\n`;
}
