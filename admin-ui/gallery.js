// The gallery: one page of registered images (search by path prefix, cursor pagination),
// each with its PPOI click widget, its key-set renditions at their real sizes and their
// URLs, and its warm and delete buttons.

import { describeError } from './api.js';
import { copyText, formatBytes, h } from './dom.js';
import { createPpoiWidget } from './ppoi-widget.js';

/**
 * @typedef {import('./api.js').ImageView} ImageView
 * @typedef {ReturnType<typeof import('./api.js').createApi>} Api
 */

/**
 * @param {{ api: Api, keySets: Record<string, Record<string, string | { size: string }>>, root: HTMLElement,
 *   status: HTMLElement, pageLabel: HTMLElement, prev: HTMLButtonElement,
 *   next: HTMLButtonElement, confirmDelete: (path: string) => Promise<boolean> }} options
 */
export function createGallery(options) {
  const { api, keySets, root, status } = options;
  let prefix = '';
  let limit = 10;
  /** Cursors of the pages seen so far: `cursors[i]` opens page i (null: the first). */
  let cursors = /** @type {(string | null)[]} */ ([null]);
  let page = 0;
  let next = /** @type {string | null} */ (null);

  /** Counts loads, so that only the latest one to start may draw (answers can cross). */
  let loads = 0;

  async function load() {
    const ticket = ++loads;
    status.textContent = 'Loading…';
    try {
      const result = await api.list({ prefix, cursor: cursors[page] ?? null, limit });
      if (ticket !== loads) return;
      if (result.items.length === 0 && page > 0) {
        // The last image of this page was deleted: show the page before it.
        page -= 1;
        cursors = cursors.slice(0, page + 1);
        return load();
      }
      next = result.next;
      root.replaceChildren(...result.items.map(card));
      status.textContent =
        result.items.length === 0
          ? prefix
            ? `No image path starts with “${prefix}”.`
            : 'No images yet: add one above.'
          : '';
    } catch (error) {
      if (ticket !== loads) return;
      status.textContent = `Could not list the images: ${describeError(error)}`;
    }
    options.pageLabel.textContent = `Page ${page + 1}`;
    options.prev.disabled = page === 0;
    options.next.disabled = next === null;
  }

  options.prev.addEventListener('click', () => {
    if (page === 0) return;
    page -= 1;
    void load();
  });
  options.next.addEventListener('click', () => {
    if (next === null) return;
    cursors = [...cursors.slice(0, page + 1), next];
    page += 1;
    void load();
  });

  /** @param {ImageView} image */
  function card(image) {
    const message = h('p', { class: 'status', role: 'status' });
    const element = h('article', { class: 'card', dataset: { path: image.path } });
    element.append(
      h(
        'header',
        { class: 'card-head' },
        h('code', { class: 'path' }, image.path),
        h(
          'span',
          { class: 'meta' },
          `${image.width}×${image.height} ${image.format} · ${formatBytes(image.bytes)} · PPOI `,
          h(
            'span',
            { class: 'ppoi-value' },
            `${image.ppoi.x.toFixed(3)}, ${image.ppoi.y.toFixed(3)}`,
          ),
        ),
      ),
      h(
        'div',
        { class: 'card-body' },
        ppoiWidget(image, element, message),
        h(
          'div',
          { class: 'renditions' },
          ...Object.keys(image.urls).map((name) => keySetRow(image, name)),
        ),
      ),
      actions(image, element, message),
      message,
    );
    return element;
  }

  /**
   * The PPOI widget of an image: a chosen point is saved, and the card redrawn with new crops.
   * @param {ImageView} image
   * @param {HTMLElement} element the card
   * @param {HTMLElement} message
   */
  function ppoiWidget(image, element, message) {
    return createPpoiWidget({
      src: pickerUrlOf(image, keySets),
      path: image.path,
      ppoi: image.ppoi,
      onChoose: async (ppoi) => {
        message.textContent = `Setting the focus point to ${ppoi.x}, ${ppoi.y}…`;
        try {
          const updated = await api.setPpoi(image.path, ppoi);
          const focused = element.contains(document.activeElement);
          const redrawn = card(updated);
          element.replaceWith(redrawn);
          // Keyboard users keep their place on the redrawn card.
          if (focused)
            /** @type {HTMLElement | null} */ (redrawn.querySelector('.original'))?.focus();
        } catch (error) {
          message.textContent = `The focus point was not saved: ${describeError(error)}`;
        }
      },
    });
  }

  /**
   * @param {ImageView} image
   * @param {string} keySet
   */
  function keySetRow(image, keySet) {
    const urls = image.urls[keySet] ?? {};
    return h(
      'section',
      { class: 'key-set', dataset: { keySet } },
      h('h3', {}, keySet),
      h(
        'div',
        { class: 'rendition-row' },
        ...Object.entries(urls).map(([name, url]) => rendition(image, keySet, name, url)),
      ),
    );
  }

  /**
   * One rendition at its real size (no CSS scaling), with its spec and a copyable URL.
   * @param {ImageView} image
   * @param {string} keySet
   * @param {string} name
   * @param {string} url
   */
  function rendition(image, keySet, name, url) {
    const absolute = new URL(url, location.href).href;
    const size = h('span', { class: 'size' }, '…');
    const img = /** @type {HTMLImageElement} */ (
      h('img', {
        // The server's URLs carry `?v=` (original and PPOI), so a changed crop is a new URL.
        src: url,
        alt: `${keySet} ${name} of ${image.path}`,
        loading: 'lazy',
        onload: () => {
          size.textContent = `${img.naturalWidth}×${img.naturalHeight}`;
        },
        onerror: () => {
          size.textContent = 'failed to load';
        },
      })
    );
    const copy = /** @type {HTMLButtonElement} */ (
      h(
        'button',
        { type: 'button', class: 'quiet small', onclick: () => copyText(absolute, copy) },
        'Copy URL',
      )
    );
    const entry = keySets[keySet]?.[name];
    const spec = entry === undefined ? '' : typeof entry === 'string' ? entry : entry.size;
    return h(
      'figure',
      { class: 'rendition', dataset: { keySet, name, spec } },
      h('div', { class: 'rendition-image' }, img),
      h(
        'figcaption',
        {},
        h('b', {}, name),
        ' ',
        h('span', { class: 'spec' }, spec),
        ' · ',
        size,
        h(
          'span',
          { class: 'url-line' },
          h('input', { class: 'url', value: absolute, readOnly: true, onfocus: selectAll }),
          copy,
        ),
      ),
    );
  }

  /**
   * @param {ImageView} image
   * @param {HTMLElement} element the card
   * @param {HTMLElement} message
   */
  function actions(image, element, message) {
    const select = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { 'aria-label': 'Key set to warm' },
        ...Object.keys(keySets).map((name) => h('option', { value: name }, name)),
      )
    );
    const warm = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'warm' }, 'Warm')
    );
    warm.addEventListener('click', async () => {
      warm.disabled = true;
      message.textContent = `Warming ${select.value}…`;
      try {
        const { warmed } = await api.warm(image.path, [select.value]);
        message.textContent = Object.entries(warmed)
          .map(
            ([name, s]) =>
              `${name}: ${s.created} rendered, ${s.existing} already cached, ${s.failed.length} failed`,
          )
          .join('; ');
      } catch (error) {
        message.textContent = `Warming failed: ${describeError(error)}`;
      }
      warm.disabled = false;
    });
    const remove = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'danger delete' }, 'Delete…')
    );
    remove.addEventListener('click', async () => {
      if (!(await options.confirmDelete(image.path))) return;
      remove.disabled = true;
      message.textContent = 'Deleting…';
      try {
        await api.remove(image.path);
        element.remove();
        status.textContent = `Deleted ${image.path}.`;
        if (root.childElementCount === 0) void load();
      } catch (error) {
        message.textContent = `Not deleted: ${describeError(error)}`;
        remove.disabled = false;
      }
    });
    return h('footer', { class: 'card-actions' }, h('label', {}, 'Key set ', select), warm, remove);
  }

  return {
    /** Shows the first page of images whose path starts with `text`. */
    search(/** @type {string} */ text, /** @type {number} */ pageSize) {
      prefix = text;
      limit = pageSize;
      cursors = [null];
      page = 0;
      return load();
    },
    /** Reloads the page shown. */
    reload: load,
  };
}

/**
 * The URL of the original, as the server spelled it in the rendition URLs.
 * @param {ImageView} image
 */
function mediaUrlOf(image) {
  // Key-set URLs are `<MEDIA_URL>/<path>/<sizer>/<W>x<H>`: drop the last two segments.
  const any = Object.values(image.urls).flatMap((set) => Object.values(set))[0];
  if (any === undefined) return `/media/${image.path.split('/').map(encodeURIComponent).join('/')}`;
  // Keep the server's `?v=` version: a replaced original is a new URL for the browser too.
  const [path = '', query] = any.split('?');
  const original = path.split('/').slice(0, -2).join('/');
  return query === undefined ? original : `${original}?${query}`;
}

/** The longest side a thumbnail needs to stand in for the original in the PPOI widget. */
const PICKER_MIN_SIDE = 160;

/**
 * What the PPOI widget draws: the largest thumbnail key-set rendition (the original's whole
 * frame, without downloading a multi-megapixel original per card), else the original.
 * @param {ImageView} image
 * @param {Record<string, Record<string, string | { size: string }>>} keySets
 */
function pickerUrlOf(image, keySets) {
  let best = mediaUrlOf(image);
  let bestSide = PICKER_MIN_SIDE - 1;
  for (const [keySet, entries] of Object.entries(keySets)) {
    for (const [name, spec] of Object.entries(entries)) {
      // An entry is `sizer__WxH`, or `{ size: 'sizer__WxH', densities | widths }`.
      const size = /^thumbnail__(\d+)x(\d+)$/.exec(typeof spec === 'string' ? spec : spec.size);
      const url = image.urls[keySet]?.[name];
      if (size === null || url === undefined) continue;
      const side = Math.max(Number(size[1]), Number(size[2]));
      if (side > bestSide) {
        best = url;
        bestSide = side;
      }
    }
  }
  return best;
}

/** @param {Event} event */
function selectAll(event) {
  /** @type {HTMLInputElement} */ (event.target).select();
}
