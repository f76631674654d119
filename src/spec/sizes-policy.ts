// The sizes policy: which WxH may be rendered, so made-up URLs cannot fill the cache.

import { AppError } from '../errors.js';
import { formatSize, type Resize } from './rendition-spec.js';

export interface SizesPolicy {
  /** `WxH` strings always allowed: key-set sizes plus the configured allow list. */
  readonly allowed: ReadonlySet<string>;
  /** When true, any size within maxWidth x maxHeight is allowed too. */
  readonly arbitrary: boolean;
  readonly maxWidth: number;
  readonly maxHeight: number;
}

/** Throws `SIZE_NOT_ALLOWED` unless the policy allows this size. */
export function checkSizeAllowed(resize: Resize, policy: SizesPolicy): void {
  const size = formatSize(resize);
  if (policy.allowed.has(size)) return;
  if (policy.arbitrary && resize.width <= policy.maxWidth && resize.height <= policy.maxHeight) {
    return;
  }
  const rule = policy.arbitrary
    ? `a key-set or allowed size, or one within ${policy.maxWidth}x${policy.maxHeight}`
    : 'a key-set or allowed size';
  throw new AppError('SIZE_NOT_ALLOWED', `Expected ${rule} but received ${size}`);
}
