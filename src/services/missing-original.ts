// The one way to wrap a media service around a missing original: `serve` failing with
// ORIGINAL_NOT_FOUND is handed to `recover`; everything else passes through. A held
// rendition (the hot path) has an original, so it is never wrapped.

import { AppError } from '../errors.js';
import type { MediaService, ResolvedTarget, ServedFile } from './media-service.js';

export function onMissingOriginal(
  media: MediaService,
  recover: (resolved: ResolvedTarget, error: AppError) => Promise<ServedFile>,
): MediaService {
  return {
    resolve: (target, accept, signed) => media.resolve(target, accept, signed),
    async serve(resolved) {
      try {
        return await media.serve(resolved);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'ORIGINAL_NOT_FOUND') throw error;
        return recover(resolved, error);
      }
    },
    serveHot: (resolved) => media.serveHot(resolved),
  };
}
