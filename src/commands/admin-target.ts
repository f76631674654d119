// Where the admin commands find the running server and its token: flag, environment, settings.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import { ADMIN_TOKEN_FILE } from '../services/admin-token.js';
import { type AdminClient, createAdminClient } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { CliError, USAGE_EXIT } from './cli-error.js';

/**
 * The server's base URL, without a trailing slash: `--server`, else `RENDITION_URL`, else
 * `http://HOST:PORT` (a wildcard HOST such as 0.0.0.0 is reached on the loopback address).
 */
function adminBaseUrlFor(
  config: Config,
  serverFlag: string | undefined,
  serverUrl: string | undefined,
): string {
  const [raw, name] =
    serverFlag !== undefined
      ? [serverFlag, '--server']
      : serverUrl !== undefined && serverUrl !== ''
        ? [serverUrl, 'RENDITION_URL']
        : [undefined, 'HOST/PORT'];
  if (raw === undefined) return `http://${reachableHost(config.server.host)}:${config.server.port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new CliError(
      `Expected an http(s) URL such as http://127.0.0.1:3000 for ${name} but received ${JSON.stringify(raw)}`,
      { exitCode: USAGE_EXIT },
    );
  }
  return url.href.replace(/\/+$/, '');
}

function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The admin token and where it came from: `ADMIN_TOKEN`, else the server's token file. */
async function adminTokenFor(config: Config): Promise<{ token: string; source: string }> {
  if (config.admin.token !== '') return { token: config.admin.token, source: 'ADMIN_TOKEN' };
  const file = join(config.roots.dataDir, ADMIN_TOKEN_FILE);
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `no admin token: set ADMIN_TOKEN, or DATA_DIR to the server's data directory (${file} does not exist)`
        : `cannot read the admin token in ${file}: ${code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  if (token === '') throw new CliError(`no admin token: ${file} is empty; set ADMIN_TOKEN`);
  return { token, source: file };
}

/** The admin client for a command's `--server` flag and the context's settings. */
export async function adminClientFor(
  context: CliContext,
  serverFlag: string | undefined,
): Promise<AdminClient> {
  const baseUrl = adminBaseUrlFor(context.config, serverFlag, context.serverUrl);
  const { token, source } = await adminTokenFor(context.config);
  return createAdminClient({ baseUrl, token, tokenSource: source });
}
