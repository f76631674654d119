// Unique rendition sizes: request i asks for W x H with W = 350..369 and H = 300 + i/20, so
// every URL is a new cache file (a real miss) while the work stays that of a ~350 px
// thumbnail of a 4:3 original (width-bound: H never limits). Same formula as bench/lua/bench.lua.

export function sizeAt(index: number): { width: number; height: number } {
  return { width: 350 + (index % 20), height: 300 + Math.floor(index / 20) };
}

/** Fills `{W}` and `{H}` of a path template. */
export function fill(template: string, index: number): string {
  const { width, height } = sizeAt(index);
  return template.replaceAll('{W}', String(width)).replaceAll('{H}', String(height));
}

/** Hands out blocks of fresh indices for one server's cache (never the same size twice). */
export class SizeCounter {
  #next = 0;

  /** The next `count` indices' start. */
  take(count: number): number {
    const start = this.#next;
    this.#next += count;
    // MAX_HEIGHT (default 2048) bounds H: 300 + index / 20 < 2048.
    if (300 + Math.floor(this.#next / 20) >= 2048) throw new Error('unique sizes exhausted');
    return start;
  }
}

export const OURS_JPEG = '/media/mosaic.jpg/thumbnail/{W}x{H}.jpg';
export const IPX_JPEG = '/s_{W}x{H},fit_inside,f_jpeg,q_80/mosaic.jpg';
