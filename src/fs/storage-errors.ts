// Disk-full and quota errors, turned into the 507 a client can act on.

import { AppError } from '../errors.js';

/** True for "no space left" and "quota exceeded". */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A 507 INSUFFICIENT_STORAGE for an out-of-space error; any other error unchanged. */
export function translateStorageError(error: unknown, what: string): unknown {
  if (!isOutOfSpace(error)) return error;
  return new AppError('INSUFFICIENT_STORAGE', `No space left to store ${what}`, { cause: error });
}
