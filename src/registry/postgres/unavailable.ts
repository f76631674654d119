// PostgreSQL failures turned into the 503 a client can retry: the registry's own boundary.

import { AppError } from '../../errors.js';

/** SQLSTATE classes of a server that is gone, starting or refusing: 08 connection, 57 operator. */
const UNAVAILABLE_STATES = /^(08|57)/;
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

/** True when `error` says PostgreSQL cannot be reached now (not that a query was wrong). */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_ERRNOS.has(code)))
    return true;
  // node-postgres' own words for a connection it lost or could not get in time.
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
      message,
    )
  );
}

export function registryUnavailable(cause?: unknown): AppError {
  return new AppError(
    'REGISTRY_UNAVAILABLE',
    'The registry (PostgreSQL at DATABASE_URL) cannot be reached; retry shortly',
    cause === undefined ? {} : { cause },
  );
}

/** REGISTRY_UNAVAILABLE for an unreachable PostgreSQL; any other error unchanged. */
export function translatePostgresError(error: unknown): unknown {
  return isUnavailable(error) ? registryUnavailable(error) : error;
}
