// The PPOI click widget: where a click on the shown original falls, as the 0..1 PPOI.

/**
 * The PPOI of a click at (`clientX`, `clientY`) on an image drawn in `box`, clamped to 0..1
 * and rounded to 3 decimals (a thousandth of the image is finer than any crop can show).
 * @param {number} clientX
 * @param {number} clientY
 * @param {{ left: number, top: number, width: number, height: number }} box
 * @returns {{ x: number, y: number }}
 */
export function ppoiFromClick(clientX, clientY, box) {
  /** @type {(offset: number, size: number) => number} */
  const at = (offset, size) => {
    if (size <= 0) return 0.5;
    const ratio = Math.min(1, Math.max(0, offset / size));
    return Math.round(ratio * 1000) / 1000;
  };
  return { x: at(clientX - box.left, box.width), y: at(clientY - box.top, box.height) };
}

/**
 * A query that changes whenever the pixels of a rendition may change (new PPOI or new
 * original): the URL is otherwise the same, and browsers keep renditions in their cache.
 * Servers and nginx ignore the query.
 * @param {{ sha256: string, ppoi: { x: number, y: number } }} image
 */
export function versionQuery(image) {
  return `?v=${image.sha256.slice(0, 12)}-${image.ppoi.x}-${image.ppoi.y}`;
}
