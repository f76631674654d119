// The PPOI widget (like versatileimagefield's): the original drawn small with a marker on its
// focus point. A click chooses a new point; so do the arrow keys (Shift: finer) and Enter.

import { h } from './dom.js';
import { ppoiFromClick, ppoiMovedBy } from './ppoi.js';

/**
 * @typedef {{ x: number, y: number }} Ppoi
 */

/**
 * @param {{ src: string, path: string, ppoi: Ppoi, onChoose: (ppoi: Ppoi) => void }} options
 * `onChoose` runs with each chosen point (the caller saves it).
 */
export function createPpoiWidget(options) {
  let pending = options.ppoi;
  const original = /** @type {HTMLImageElement} */ (
    h('img', {
      class: 'original',
      src: options.src,
      alt: `The original of ${options.path}`,
      title: 'Click to set the focus point (PPOI)',
      draggable: false,
      tabIndex: 0,
      'aria-label': `Focus point of ${options.path}: arrow keys move it, Enter saves it`,
    })
  );
  const marker = h('span', { class: 'ppoi-marker', 'aria-hidden': 'true' });

  /** @param {Ppoi} ppoi */
  const place = (ppoi) => {
    marker.style.left = `${ppoi.x * 100}%`;
    marker.style.top = `${ppoi.y * 100}%`;
  };
  place(pending);

  original.addEventListener('click', (event) => {
    pending = ppoiFromClick(event.clientX, event.clientY, original.getBoundingClientRect());
    place(pending);
    options.onChoose(pending);
  });
  original.addEventListener('keydown', (event) => {
    const step = event.shiftKey ? 0.01 : 0.05;
    /** @type {Record<string, [number, number]>} */
    const moves = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      pending = ppoiMovedBy(pending, move[0], move[1]);
      place(pending);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      options.onChoose(pending);
    } else if (event.key === 'Escape') {
      pending = options.ppoi;
      place(pending);
    }
  });

  return h(
    'figure',
    { class: 'ppoi' },
    h('div', { class: 'ppoi-frame' }, original, marker),
    h(
      'figcaption',
      {},
      'Click the image (or use the arrow keys and Enter) to set its focus point.',
    ),
  );
}
