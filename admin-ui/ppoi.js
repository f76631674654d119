// PPOI arithmetic of the widget: where a click falls as a 0..1 point, a keyboard move, and
// the cache-busting query of renditions.

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
  const at = (offset, size) => (size <= 0 ? 0.5 : unit(offset / size));
  return { x: at(clientX - box.left, box.width), y: at(clientY - box.top, box.height) };
}

/**
 * The PPOI moved by (`dx`, `dy`), kept inside 0..1.
 * @param {{ x: number, y: number }} ppoi
 * @param {number} dx
 * @param {number} dy
 */
export function ppoiMovedBy(ppoi, dx, dy) {
  return { x: unit(ppoi.x + dx), y: unit(ppoi.y + dy) };
}

/**
 * Clamped to 0..1 and rounded to 3 decimals.
 * @param {number} value
 */
function unit(value) {
  return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
}
