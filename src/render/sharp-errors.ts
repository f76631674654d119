// Translates sharp/libvips failures into AppErrors, keeping the original as the cause.

import { AppError } from '../errors.js';

/** The one RENDER_TIMEOUT answer (its `Retry-After` comes from the error table). */
export function renderTimeout(cause?: unknown): AppError {
  return new AppError(
    'RENDER_TIMEOUT',
    'Rendering took too long; retry shortly',
    cause === undefined ? {} : { cause },
  );
}

export function translateSharpError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new AppError('IMAGE_TOO_LARGE', 'The original has more pixels than allowed', {
      cause: error,
    });
  }
  // The file went away between the lookup and the read (a delete won the race).
  if (/input file is missing/i.test(message)) {
    return new AppError('ORIGINAL_NOT_FOUND', 'The original is gone', { cause: error });
  }
  if (/timeout/i.test(message)) {
    return renderTimeout(error);
  }
  // Unsupported, blocked, truncated or corrupt input all land here.
  return new AppError('UNSUPPORTED_IMAGE', 'The original is not a supported, readable image', {
    cause: error,
  });
}
