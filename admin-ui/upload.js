// Upload by drag and drop or file picker: one multipart POST per file, each with its own
// progress bar and a plain answer (registered, or refused and why).

import { describeError } from './api.js';
import { h } from './dom.js';

/**
 * @typedef {ReturnType<typeof import('./api.js').createApi>} Api
 */

/**
 * Wires the drop zone and the file input; `onRegistered` runs after each stored image.
 * @param {{ api: Api, dropZone: HTMLElement, input: HTMLInputElement, pathInput: HTMLInputElement,
 *   replaceInput: HTMLInputElement, list: HTMLElement, onRegistered: () => void }} options
 */
export function wireUploads(options) {
  const { dropZone, input } = options;

  /** @param {FileList | null} files */
  const start = (files) => {
    const chosen = [...(files ?? [])];
    // A path names one file: with several files, each gets a path chosen by the server.
    const path = chosen.length === 1 ? options.pathInput.value.trim() : '';
    const replace = path !== '' && options.replaceInput.checked;
    for (const file of chosen) void uploadOne(file, path, replace);
  };

  input.addEventListener('change', () => {
    start(input.files);
    input.value = '';
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('over');
    start(event.dataTransfer?.files ?? null);
  });

  /**
   * @param {File} file
   * @param {string} path
   * @param {boolean} replace
   */
  async function uploadOne(file, path, replace) {
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: 1, value: 0 }));
    const state = h('span', { class: 'state' }, 'uploading…');
    const item = h(
      'li',
      { class: 'upload', dataset: { file: file.name } },
      h('b', {}, file.name),
      bar,
      state,
    );
    options.list.prepend(item);
    try {
      const image = await options.api.upload(file, { path, replace }, (sent, total) => {
        bar.value = total === 0 ? 1 : sent / total;
        if (sent === total) state.textContent = 'checking the image…';
      });
      bar.value = 1;
      item.classList.add('done');
      state.textContent = `registered as ${image.path} (${image.width}×${image.height} ${image.format})`;
      if (path !== '' && options.pathInput.value.trim() === path) {
        // Done with that path; a refused upload keeps it for another try.
        options.pathInput.value = '';
        options.replaceInput.checked = false;
      }
      options.onRegistered();
    } catch (error) {
      item.classList.add('refused');
      state.textContent = `refused: ${describeError(error)}`;
    }
  }
}
