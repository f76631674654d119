// The signature gate of public routes: a size outside the sizes policy needs a valid `?s=`.

import { AppError } from '../errors.js';
import type { MediaTarget } from '../url/rendition-url.js';
import { signatureMatches } from '../url/signature.js';
import { needsSignature, type SizesPolicy } from '../url/sizes-policy.js';

export interface SignatureCheckOptions {
  /** SIGNING_KEYS; empty: signed URLs are off and the sizes policy alone decides. */
  readonly keys: readonly string[];
  readonly sizes: SizesPolicy;
}

/**
 * Whether the request is vouched for by a valid signature. Throws `BAD_SIGNATURE` (403) when
 * signing is on and the size needs a signature that is missing or wrong. A size the policy
 * allows anyway never needs one (a signature on it is ignored, even a wrong one).
 */
export function checkSignature(
  target: MediaTarget,
  signatureOf: () => string | undefined,
  options: SignatureCheckOptions,
): boolean {
  if (options.keys.length === 0 || target.kind !== 'rendition') return false;
  const { spec } = target;
  if (spec.resize === undefined || !needsSignature(spec.resize, options.sizes)) return false;
  const signature = signatureOf();
  if (signature === undefined || signature === '') {
    throw new AppError(
      'BAD_SIGNATURE',
      'Expected a signature (?s=) for a size outside the key sets and ALLOWED_SIZES',
    );
  }
  if (!signatureMatches(signature, spec, options.keys)) {
    throw new AppError('BAD_SIGNATURE', 'Expected a valid signature (?s=) for this rendition');
  }
  return true;
}
