// The admin page's entry: sign-in with the admin token (kept in session storage only), then
// the gallery, uploads, register-by-URL and warm jobs, all through the public admin API.

import { ApiError, createApi, describeError } from './api.js';
import { byId, h } from './dom.js';
import { createGallery } from './gallery.js';
import { wireUploads } from './upload.js';
import { wireWarmJob } from './warm-job.js';

const TOKEN_KEY = 'rendition.adminToken';
/** The admin API sits next to this page: `/admin/ui` -> `/admin/`. */
const API_BASE = new URL('./', location.href);

const signIn = byId('sign-in');
const workspace = byId('workspace');
const signInError = byId('sign-in-error');
const signOut = /** @type {HTMLButtonElement} */ (byId('sign-out'));

/** @param {string} message said on the sign-in form, e.g. why the token was refused */
function showSignIn(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  workspace.hidden = true;
  signOut.hidden = true;
  signIn.hidden = false;
  signInError.textContent = message;
  byId('token').focus();
}

let started = false;

const wrongToken = 'The server refused this token (401 UNAUTHORIZED): it is not the admin token.';

/**
 * Checks the token with a cheap call, then opens the workspace.
 * @param {string} token
 */
async function open(token) {
  let signedOut = false;
  const api = createApi({
    base: API_BASE,
    token,
    onUnauthorized: () => {
      if (signedOut) return;
      signedOut = true;
      showSignIn(`${wrongToken} Sign in again.`);
    },
  });
  let keySets;
  try {
    ({ keySets } = await api.keySets());
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401))
      showSignIn(`Could not sign in: ${describeError(error)}`);
    else showSignIn(wrongToken);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  // Signed in again after a sign-out: start from a clean page rather than re-wire it.
  if (started) {
    location.reload();
    return;
  }
  started = true;
  signIn.hidden = true;
  workspace.hidden = false;
  signOut.hidden = false;
  startWorkspace(api, keySets);
}

/**
 * @param {ReturnType<typeof createApi>} api
 * @param {Record<string, Record<string, string | { size: string }>>} keySets
 */
function startWorkspace(api, keySets) {
  const gallery = createGallery({
    api,
    keySets,
    root: byId('gallery'),
    status: byId('gallery-status'),
    pageLabel: byId('page-label'),
    prev: byId('prev-page'),
    next: byId('next-page'),
    confirmDelete,
  });
  const search = /** @type {HTMLInputElement} */ (byId('search'));
  const pageSize = /** @type {HTMLSelectElement} */ (byId('page-size'));
  const searchNow = () => gallery.search(search.value.trim(), Number(pageSize.value));
  byId('search-form').onsubmit = (event) => {
    event.preventDefault();
    void searchNow();
  };
  pageSize.onchange = () => void searchNow();

  wireUploads({
    api,
    dropZone: byId('drop-zone'),
    input: byId('file-input'),
    pathInput: byId('upload-path'),
    replaceInput: byId('upload-replace'),
    list: byId('uploads'),
    onRegistered: () => void gallery.reload(),
  });
  wireRegisterByUrl(api, () => void gallery.reload());

  const warmSelect = /** @type {HTMLSelectElement} */ (byId('warm-all-key-set'));
  warmSelect.replaceChildren(
    ...Object.keys(keySets).map((name) => h('option', { value: name }, name)),
  );
  wireWarmJob({
    api,
    form: byId('warm-all-form'),
    select: warmSelect,
    box: byId('job'),
    bar: byId('job-progress'),
    status: byId('job-status'),
    failures: byId('job-failed'),
  });
  void searchNow();
}

/**
 * @param {ReturnType<typeof createApi>} api
 * @param {() => void} onRegistered
 */
function wireRegisterByUrl(api, onRegistered) {
  const url = /** @type {HTMLInputElement} */ (byId('source-url'));
  const path = /** @type {HTMLInputElement} */ (byId('url-path'));
  const status = byId('url-status');
  byId('url-form').onsubmit = async (event) => {
    event.preventDefault();
    status.textContent = `Fetching ${url.value}…`;
    try {
      const image = await api.registerUrl(url.value.trim(), path.value.trim());
      status.textContent = `Registered as ${image.path} (${image.width}×${image.height} ${image.format}).`;
      url.value = '';
      path.value = '';
      onRegistered();
    } catch (error) {
      status.textContent = `Refused: ${describeError(error)}`;
    }
  };
}

/**
 * Asks in a modal dialog; resolves true only when "Delete" was pressed.
 * @param {string} path
 * @returns {Promise<boolean>}
 */
function confirmDelete(path) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm-delete'));
  byId('delete-path').textContent = path;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'delete'), {
      once: true,
    });
  });
}

byId('sign-in-form').onsubmit = (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (byId('token'));
  const token = input.value.trim();
  // Header values must be Latin-1; a pasted token with other characters cannot be right.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    showSignIn('That is not an admin token: tokens are printable ASCII without spaces.');
    return;
  }
  signInError.textContent = 'Checking the token…';
  input.value = '';
  void open(token);
};
signOut.onclick = () => showSignIn('Signed out.');

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void open(saved);
else showSignIn('');
