// Output format negotiation from the Accept header: the rule nginx's generated map mirrors.

import type { OutputFormat } from './rendition-spec.js';

/** Which file a rendition request resolves to, before any I/O. */
export type FormatChoice =
  /** `.fmt` in the URL: that format, no `Vary`. */
  | { readonly kind: 'explicit'; readonly format: OutputFormat }
  /** A preferred format the client accepts: `Vary: Accept`. */
  | { readonly kind: 'preferred'; readonly format: OutputFormat }
  /**
   * No preferred format accepted (or negotiation off): the original's format. Its cache
   * file carries the `.fallback.` mark nginx looks for; not to be confused with FALLBACK_IMAGE.
   */
  | { readonly kind: 'original' };

/**
 * True when `accept` lists `image/<format>`. Matched as a case-insensitive substring and
 * q-values are ignored, exactly like the `~*image/avif` regex in the nginx map, so nginx
 * and Node always pick the same file.
 */
export function acceptsFormat(accept: string | undefined, format: OutputFormat): boolean {
  if (accept === undefined) return false;
  return accept.toLowerCase().includes(`image/${format === 'jpg' ? 'jpeg' : format}`);
}

/**
 * Chooses the output format for a request. `preferred` is the ordered list of negotiable
 * formats (empty switches negotiation off).
 */
export function chooseFormat(
  explicit: OutputFormat | undefined,
  accept: string | undefined,
  preferred: readonly OutputFormat[],
): FormatChoice {
  if (explicit !== undefined) return { kind: 'explicit', format: explicit };
  for (const format of preferred) {
    if (acceptsFormat(accept, format)) return { kind: 'preferred', format };
  }
  return { kind: 'original' };
}

/** Whether responses for this choice vary with `Accept`. */
export function variesWithAccept(
  choice: FormatChoice,
  preferred: readonly OutputFormat[],
): boolean {
  return choice.kind !== 'explicit' && preferred.length > 0;
}
