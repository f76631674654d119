// The admin token: from ADMIN_TOKEN, or generated once and kept in DATA_DIR (mode 0600).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AdminToken {
  readonly token: string;
  /** Where it is kept, when not from the environment. */
  readonly file: string | undefined;
  /** True when this start created it (print it once). */
  readonly generated: boolean;
}

export const ADMIN_TOKEN_FILE = 'admin-token';

export async function resolveAdminToken(configured: string, dataDir: string): Promise<AdminToken> {
  if (configured !== '') return { token: configured, file: undefined, generated: false };
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept !== '') return { token: kept, file, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(`${token}\n`);
  } finally {
    await handle.close();
  }
  return { token, file, generated: true };
}

/** Compares in constant time (both sides hashed first, so lengths leak nothing either). */
export function tokenMatches(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
