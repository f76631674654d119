// A bulk warm job: start it for one key set over every image, then poll
// `GET /admin/jobs/<id>` and show its progress until it is no longer running.

import { describeError } from './api.js';
import { h } from './dom.js';

/** How often the job is polled while it runs, in milliseconds. */
const POLL_MS = 400;

/**
 * @typedef {ReturnType<typeof import('./api.js').createApi>} Api
 */

/**
 * @param {{ api: Api, form: HTMLFormElement, select: HTMLSelectElement, box: HTMLElement,
 *   bar: HTMLProgressElement, status: HTMLElement, failures: HTMLElement }} options
 */
export function wireWarmJob(options) {
  const { api, form, box, bar, status, failures } = options;
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    box.hidden = false;
    box.dataset.state = 'starting';
    bar.removeAttribute('value');
    failures.replaceChildren();
    status.textContent = `Starting a warm job for ${options.select.value}…`;
    try {
      const { id } = await api.startWarmJob(options.select.value);
      await follow(id);
    } catch (error) {
      box.dataset.state = 'error';
      status.textContent = `The warm job failed: ${describeError(error)}`;
    }
    button.disabled = false;
  });

  /** @param {string} id */
  async function follow(id) {
    for (;;) {
      const job = await api.job(id);
      box.dataset.state = job.state;
      bar.max = Math.max(job.total, 1);
      bar.value = job.total === 0 ? 1 : job.done;
      const verb = job.state === 'running' ? 'Warming' : job.state === 'done' ? 'Done' : 'Stopped';
      status.textContent =
        `${verb}: ${job.done} of ${job.total} images, ${job.created} renditions rendered` +
        (job.failed.length > 0 ? `, ${job.failed.length} failed` : '');
      failures.replaceChildren(
        ...job.failed.map((failure) =>
          h(
            'li',
            {},
            h('code', {}, failure.path),
            `: ${failure.error.message} (${failure.error.code})`,
          ),
        ),
      );
      if (job.state !== 'running') return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
