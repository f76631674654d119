// The sizes policy: which WxH may be rendered, so made-up URLs cannot fill the cache.

import { AppError } from '../errors.js';
import { formatSize, type Resize } from './rendition-spec.js';

export interface SizesPolicy {
  /** `WxH` strings always allowed: key-set sizes (variants included) plus the allow list. */
  readonly allowed: ReadonlySet<string>;
  /** When true, any size within maxWidth x maxHeight is allowed too. */
  readonly arbitrary: boolean;
  readonly maxWidth: number;
  readonly maxHeight: number;
}

/**
 * True when this size is refused unless its URL is signed: it is within the bounds but is
 * neither a key-set or allowed size nor covered by ARBITRARY_SIZES.
 */
export function needsSignature(resize: Resize, policy: SizesPolicy): boolean {
  return (
    !policy.allowed.has(formatSize(resize)) && !policy.arbitrary && withinBounds(resize, policy)
  );
}

/**
 * Throws `SIZE_NOT_ALLOWED` unless the policy allows this size. A `signed` request (a valid
 * signature, checked by the caller) may have any size within maxWidth x maxHeight.
 */
export function checkSizeAllowed(resize: Resize, policy: SizesPolicy, signed = false): void {
  const size = formatSize(resize);
  if (policy.allowed.has(size)) return;
  if ((policy.arbitrary || signed) && withinBounds(resize, policy)) return;
  const rule =
    policy.arbitrary || signed
      ? `a size of a key set or ALLOWED_SIZES, or one within ${policy.maxWidth}x${policy.maxHeight} (MAX_WIDTH x MAX_HEIGHT),`
      : 'a size of a key set or ALLOWED_SIZES (or ARBITRARY_SIZES=true)';
  throw new AppError('SIZE_NOT_ALLOWED', `Expected ${rule} but received ${size}`);
}

function withinBounds(resize: Resize, policy: SizesPolicy): boolean {
  return resize.width <= policy.maxWidth && resize.height <= policy.maxHeight;
}
