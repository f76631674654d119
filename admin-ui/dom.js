// Small DOM helpers: elements are built with properties and text nodes, never from HTML
// strings, so a path or an error message can never become markup.

/**
 * Creates an element. `props` keys starting with `on` add listeners, `dataset` fills data
 * attributes, `class` sets the class; anything else is set as a property (or an attribute
 * when the element has no such property, e.g. `aria-*`).
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = String(value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function')
      element.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key in element)
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (element))[key] = value;
    else element.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/**
 * The element with this id, which the page must have.
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no #${id}`);
  return /** @type {T} */ (element);
}

/**
 * Bytes as people read them: 950 B, 12.3 KB, 4.5 MB.
 * @param {number} bytes
 */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/**
 * Copies text to the clipboard and says so on the button for a moment.
 * @param {string} text
 * @param {HTMLButtonElement} button
 */
export async function copyText(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Select and copy';
  }
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}
