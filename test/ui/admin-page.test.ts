// The admin page end to end in a real headless Chromium against a real server on 127.0.0.1:
// sign in, upload (file chooser and drag and drop), refusal, renditions at their real sizes,
// PPOI by click, search and pages, register by URL, a warm job, delete. The steps share one
// server and one browser page and run in order, as an admin would use the page.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumMissing, launchChromium } from '../helpers/browser.js';
import { jpegImage, pngImage } from '../helpers/images.js';
import { skipWithout } from '../helpers/requirement.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The page-side callbacks run in Chromium. The Node tsconfig has no DOM lib (adding it would
// change Node's own types everywhere), so the little of the browser they use is declared here.
interface PageImage {
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  getBoundingClientRect(): { width: number; height: number };
}
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  querySelector(css: string): unknown;
}
interface PageProgress {
  readonly value: number;
  readonly max: number;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: PageImage, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
declare const document: {
  readonly activeElement: unknown;
  querySelectorAll(css: string): ArrayLike<PageImage>;
  createElement(tag: 'canvas'): PageCanvas;
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (event: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};
declare const sessionStorage: {
  readonly length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};
declare const localStorage: { readonly length: number };
declare function getComputedStyle(element: never): { borderTopWidth: string };
declare class DataTransfer {
  readonly items: { add(file: File): void };
}

const TOKEN = 'admin-page-test-token-0123456789abcdef';
/** A crop wider than tall sources can move sideways in: the PPOI decides what it shows. */
const KEY_SETS = {
  image: { small: 'thumbnail__120x120', large: 'crop__100x100', preview: 'thumbnail__240x240' },
  avatar: { tiny: 'crop__48x48' },
};
/** Screenshots of the page, for people (git-ignored). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe.skipIf(skipWithout(chromiumMissing()))('admin page in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let source: Server;
  let sourceUrl: string;
  let configDir: string;
  /** Uncaught page errors and CSP violations: there must be none. */
  const pageProblems: string[] = [];

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'rendition-ui-config-'));
    const configFile = join(configDir, 'rendition.json');
    await writeFile(configFile, JSON.stringify({ keySets: KEY_SETS }));
    const sourcePng = await pngImage(200, 100);
    source = createServer((request, response) => {
      if (request.url === '/from-url.png') response.writeHead(200).end(sourcePng);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://source.test:${(source.address() as AddressInfo).port}`;
    server = await startTestServer({
      ADMIN_TOKEN: TOKEN,
      CONFIG_FILE: configFile,
      FETCH_ALLOW_CIDRS: '127.0.0.1/32',
      // The PPOI test compares against the centre crop of an image with no PPOI set.
      CROP_STRATEGY: 'centre',
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
    // CSP violations are events in the page: report each one back to the test.
    await page.exposeFunction('reportCspViolation', (text: string) => pageProblems.push(text));
    await page.addInitScript(() => {
      const report = (globalThis as unknown as { reportCspViolation: (text: string) => void })
        .reportCspViolation;
      document.addEventListener('securitypolicyviolation', (event) =>
        report(`CSP ${event.violatedDirective} blocked ${event.blockedURI}`),
      );
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    if (source !== undefined) await new Promise((resolve) => source.close(resolve));
    if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
  });

  const card = (path: string) => page.locator(`article.card[data-path="${path}"]`);

  it('says plainly that a wrong token is wrong, and signs in with the right one', async () => {
    await page.goto(`${server.url}/admin/ui`);
    await page.locator('#token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.locator('#sign-in-error').textContent())
      .toContain('The server refused this token (401 UNAUTHORIZED)');
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#workspace').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#gallery-status').textContent()).toContain('No images');
    expect(await page.evaluate(() => sessionStorage.getItem('rendition.adminToken'))).toBe(TOKEN);
    // The token lives in this tab's session only: nothing on disk or in cookies.
    expect(await browser.context.cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('uploads with the file chooser, shows progress, and lists the image', async () => {
    await page.locator('#upload-path').fill('photos/halves.jpg');
    const chooser = page.waitForEvent('filechooser');
    await page.getByText('Choose files…').click();
    await (await chooser).setFiles({
      name: 'halves.jpg',
      mimeType: 'image/jpeg',
      buffer: await jpegImage(600, 300),
    });
    const item = page.locator('li.upload[data-file="halves.jpg"]');
    await item.and(page.locator('.done')).waitFor();
    expect(await item.locator('.state').textContent()).toBe(
      'registered as photos/halves.jpg (600×300 jpeg)',
    );
    expect(await item.locator('progress').evaluate((bar: PageProgress) => bar.value)).toBe(1);
    await card('photos/halves.jpg').waitFor();
    expect(existsSync(join(server.config.roots.mediaRoot, 'photos/halves.jpg'))).toBe(true);
  });

  it('refuses an upload to a taken path, and replaces when asked', async () => {
    const again = { name: 'again.jpg', mimeType: 'image/jpeg', buffer: await jpegImage(600, 300) };
    const item = page.locator('li.upload[data-file="again.jpg"]').first();
    await page.locator('#upload-path').fill('photos/halves.jpg');
    await page.locator('#file-input').setInputFiles(again);
    await item.and(page.locator('.refused')).waitFor();
    expect(await item.locator('.state').textContent()).toMatch(/^refused: .+ \(409 CONFLICT\)$/);
    // The path stays for another try.
    expect(await page.locator('#upload-path').inputValue()).toBe('photos/halves.jpg');

    await page.locator('#upload-replace').check();
    await page.locator('#file-input').setInputFiles(again);
    await item.and(page.locator('.done')).waitFor();
    expect(await item.locator('.state').textContent()).toBe(
      'registered as photos/halves.jpg (600×300 jpeg)',
    );
    expect(await page.locator('#upload-path').inputValue()).toBe('');
    expect(await page.locator('#upload-replace').isChecked()).toBe(false);
  });

  it('uploads by drag and drop, and refuses a file that is not an image', async () => {
    const png = await pngImage(150, 300);
    await dropFiles(page, [
      { name: 'dropped.png', type: 'image/png', bytes: [...png] },
      { name: 'notes.jpg', type: 'image/jpeg', bytes: [...Buffer.from('just some text\n')] },
    ]);
    const refused = page.locator('li.upload[data-file="notes.jpg"]');
    await refused.and(page.locator('.refused')).waitFor();
    expect(await refused.locator('.state').textContent()).toMatch(
      /^refused: .+ \(415 UNSUPPORTED_IMAGE\)$/,
    );
    const dropped = page.locator('li.upload[data-file="dropped.png"]');
    await dropped.and(page.locator('.done')).waitFor();
    expect(await dropped.locator('.state').textContent()).toBe(
      'registered as images/dropped.png (150×300 png)',
    );
    await card('images/dropped.png').waitFor();
    // The refused file left nothing behind: two originals, no third.
    const originals = (await readdir(server.config.roots.mediaRoot, { recursive: true })).filter(
      (name) => /\.(jpg|png)$/.test(name),
    );
    expect(originals.sort()).toEqual(['images/dropped.png', 'photos/halves.jpg']);
  });

  it('shows every key-set rendition at its real size, with its absolute URL', async () => {
    const expected = {
      'photos/halves.jpg': {
        small: [120, 60],
        large: [100, 100],
        preview: [240, 120],
        tiny: [48, 48],
      },
      'images/dropped.png': {
        small: [60, 120],
        large: [100, 100],
        preview: [120, 240],
        tiny: [48, 48],
      },
    };
    for (const [path, sizes] of Object.entries(expected)) {
      const images = card(path).locator('figure.rendition img');
      expect(await images.count()).toBe(4);
      // The PPOI widget draws the largest thumbnail, not the (maybe huge) original.
      expect(await card(path).locator('img.original').getAttribute('src')).toMatch(
        new RegExp(`^/media/${path}/thumbnail/240x240\\?v=`),
      );
      await waitForImages(page, `article.card[data-path="${path}"] figure.rendition img`);
      const shown = await card(path)
        .locator('figure.rendition')
        .evaluateAll((figures) =>
          figures.map((figure) => {
            const img = (figure as PageElement).querySelector('img') as PageImage;
            const box = img.getBoundingClientRect();
            return {
              name: (figure as PageElement).dataset.name,
              natural: [img.naturalWidth, img.naturalHeight],
              drawn: [Math.round(box.width), Math.round(box.height)],
              url: ((figure as PageElement).querySelector('input.url') as { value: string }).value,
            };
          }),
        );
      for (const rendition of shown) {
        const size = sizes[rendition.name as keyof typeof sizes];
        expect(rendition.natural, `${path} ${rendition.name}`).toEqual(size);
        expect(rendition.drawn, `${path} ${rendition.name} drawn at its real size`).toEqual(size);
        expect(rendition.url).toMatch(new RegExp(`^${server.url}/media/${path}/(thumbnail|crop)/`));
        // The copied URL answers with the rendition itself.
        expect((await fetch(rendition.url)).status).toBe(200);
      }
    }
  });

  it('sets the PPOI where the original is clicked, and the crops follow', async () => {
    const halves = card('photos/halves.jpg');
    const crop = 'article.card[data-path="photos/halves.jpg"] figure[data-name="large"] img';
    // The centre PPOI crops across the red/blue edge: as much red as blue.
    const centred = await meanColour(page, crop);
    expect(Math.abs(centred.r - centred.b)).toBeLessThan(60);
    const srcBefore = await page.locator(crop).getAttribute('src');

    await clickAt(halves.locator('img.original'), 0.9, 0.25);
    const shownPpoi = () => card('photos/halves.jpg').locator('.ppoi-value').textContent();
    await expect.poll(shownPpoi).not.toBe('0.500, 0.500');
    const right = await readPpoi(server, 'photos/halves.jpg');
    expect(await shownPpoi()).toBe(`${right.x.toFixed(3)}, ${right.y.toFixed(3)}`);
    expect(right.x).toBeCloseTo(0.9, 1);
    expect(right.y).toBeCloseTo(0.25, 1);
    await expect.poll(() => page.locator(crop).getAttribute('src')).not.toBe(srcBefore);
    const blue = await meanColour(page, crop);
    expect(blue.b - blue.r).toBeGreaterThan(150);

    const before = await shownPpoi();
    await clickAt(card('photos/halves.jpg').locator('img.original'), 0.15, 0.7);
    await expect.poll(shownPpoi).not.toBe(before);
    const left = await readPpoi(server, 'photos/halves.jpg');
    expect(left.x).toBeCloseTo(0.15, 1);
    expect(left.y).toBeCloseTo(0.7, 1);
    const red = await meanColour(page, crop);
    expect(red.r - red.b).toBeGreaterThan(150);
  });

  it('moves the PPOI with the arrow keys and saves it with Enter', async () => {
    const original = card('photos/halves.jpg').locator('img.original');
    const start = await readPpoi(server, 'photos/halves.jpg');
    await original.focus();
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowUp', 'Shift+ArrowUp']) {
      await page.keyboard.press(key);
    }
    // Nothing is saved before Enter.
    expect(await readPpoi(server, 'photos/halves.jpg')).toEqual(start);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => card('photos/halves.jpg').locator('.ppoi-value').textContent())
      .toBe(`${(start.x + 0.15).toFixed(3)}, ${(start.y - 0.06).toFixed(3)}`);
    const saved = await readPpoi(server, 'photos/halves.jpg');
    expect(saved.x).toBeCloseTo(start.x + 0.15, 3);
    expect(saved.y).toBeCloseTo(start.y - 0.06, 3);
    // The redrawn card keeps the keyboard focus on its original.
    const focused = await card('photos/halves.jpg')
      .locator('img.original')
      .evaluate((img) => img === document.activeElement);
    expect(focused).toBe(true);
  });

  it('registers from a URL', async () => {
    await page.locator('#source-url').fill(`${sourceUrl}/from-url.png`);
    await page.locator('#url-path').fill('remote/from-url.png');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect
      .poll(() => page.locator('#url-status').textContent())
      .toBe('Registered as remote/from-url.png (200×100 png).');
    await card('remote/from-url.png').waitFor();

    await page.locator('#source-url').fill(`${sourceUrl}/missing.png`);
    await page.getByRole('button', { name: 'Register' }).click();
    await expect
      .poll(() => page.locator('#url-status').textContent())
      .toMatch(/^Refused: .+ \(502 SOURCE_FETCH_FAILED\)$/);
  });

  it('searches by path prefix and pages through the images', async () => {
    for (let i = 0; i < 4; i += 1) {
      const form = new FormData();
      form.set('path', `many/${i}.png`);
      form.set('file', new Blob([await pngImage(40, 30)]), `${i}.png`);
      const response = await fetch(`${server.url}/admin/images`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: form,
      });
      expect(response.status).toBe(201);
    }
    await page.locator('#page-size').selectOption('5');
    await expect
      .poll(() => shownPaths(page))
      .toEqual(['images/dropped.png', 'many/0.png', 'many/1.png', 'many/2.png', 'many/3.png']);
    expect(await page.locator('#prev-page').isDisabled()).toBe(true);
    await page.locator('#next-page').click();
    await expect.poll(() => shownPaths(page)).toEqual(['photos/halves.jpg', 'remote/from-url.png']);
    expect(await page.locator('#page-label').textContent()).toBe('Page 2');
    expect(await page.locator('#next-page').isDisabled()).toBe(true);
    await page.locator('#prev-page').click();
    await expect.poll(() => shownPaths(page)).toHaveLength(5);

    await page.locator('#search').fill('many/');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => shownPaths(page))
      .toEqual(['many/0.png', 'many/1.png', 'many/2.png', 'many/3.png']);
    await page.locator('#search').fill('nothing/');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.locator('#gallery-status').textContent())
      .toBe('No image path starts with “nothing/”.');
    await page.locator('#search').fill('');
    await page.locator('#page-size').selectOption('10');
    await expect.poll(() => shownPaths(page)).toHaveLength(7);
  });

  it('warms a key set over every image as a job, with live progress to the end', async () => {
    await page.locator('#warm-all-key-set').selectOption('avatar');
    await page.getByRole('button', { name: 'Start a warm job' }).click();
    await page.locator('#job[data-state="done"]').waitFor();
    expect(await page.locator('#job-status').textContent()).toMatch(
      /^Done: 7 of 7 images, \d+ renditions rendered$/,
    );
    expect(
      await page.locator('#job-progress').evaluate((bar: PageProgress) => [bar.value, bar.max]),
    ).toEqual([7, 7]);
    // Every image now has its avatar crop on disk, whatever format each browser gets.
    const cached = await readdir(server.config.roots.cacheRoot, { recursive: true });
    for (const path of await registeredPaths(server)) {
      expect(
        cached.some((name) => name.startsWith(`${path}/crop/48x48.`)),
        path,
      ).toBe(true);
    }
  });

  it('warms one image from its card', async () => {
    const card_ = card('many/0.png');
    await card_.locator('select').selectOption('image');
    await card_.getByRole('button', { name: 'Warm' }).click();
    await expect
      .poll(() => card_.locator('p.status').textContent())
      .toMatch(/^image: \d+ rendered, \d+ already cached, 0 failed$/);
  });

  it('saves screenshots of the gallery', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.locator('#page-size').selectOption('5');
    await waitForImages(page, 'article.card img');
    const gallery = join(ARTIFACTS, 'admin-ui-gallery.png');
    await page.screenshot({ path: gallery, fullPage: true });
    // The one docs/admin-api.md shows: a single image with its PPOI moved and its crops following.
    await page.locator('#search').fill('photos/');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => shownPaths(page)).toEqual(['photos/halves.jpg']);
    await waitForImages(page, 'article.card img');
    const single = join(ARTIFACTS, 'admin-ui.png');
    await page.screenshot({ path: single, fullPage: true });
    for (const file of [gallery, single]) expect(existsSync(file)).toBe(true);
    // The stylesheet applied: panels and cards are drawn as boxes.
    const boxes = await page
      .locator('section.panel, article.card')
      .evaluateAll((elements) =>
        elements.map((element) => getComputedStyle(element as never).borderTopWidth),
      );
    expect(boxes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(boxes)).toEqual(new Set(['1px']));
    await page.locator('#search').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
  });

  it('deletes after confirmation: the card, the original and its renditions are gone', async () => {
    const path = 'photos/halves.jpg';
    await page.locator('#page-size').selectOption('10');
    await card(path).waitFor();
    const cacheDir = join(server.config.roots.cacheRoot, path);
    expect(existsSync(cacheDir)).toBe(true);

    await card(path).getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.locator('dialog#confirm-delete');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('#delete-path').textContent()).toBe(path);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await card(path).count()).toBe(1);
    expect(existsSync(join(server.config.roots.mediaRoot, path))).toBe(true);

    await card(path).getByRole('button', { name: 'Delete…' }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await card(path).waitFor({ state: 'detached' });
    expect(await page.locator('#gallery-status').textContent()).toBe(`Deleted ${path}.`);
    expect(existsSync(join(server.config.roots.mediaRoot, path))).toBe(false);
    expect(existsSync(cacheDir)).toBe(false);
    const gone = await fetch(`${server.url}/admin/images/${path}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(gone.status).toBe(404);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('goes back a page when the last image of a page is deleted', async () => {
    await page.locator('#page-size').selectOption('5');
    await expect.poll(() => shownPaths(page)).toHaveLength(5);
    await page.locator('#next-page').click();
    await expect.poll(() => shownPaths(page)).toEqual(['remote/from-url.png']);
    await card('remote/from-url.png').getByRole('button', { name: 'Delete…' }).click();
    await page
      .locator('dialog#confirm-delete')
      .getByRole('button', { name: 'Delete', exact: true })
      .click();
    await expect.poll(() => page.locator('#page-label').textContent()).toBe('Page 1');
    expect(await shownPaths(page)).toEqual([
      'images/dropped.png',
      'many/0.png',
      'many/1.png',
      'many/2.png',
      'many/3.png',
    ]);
    expect(await page.locator('#next-page').isDisabled()).toBe(true);
    expect(existsSync(join(server.config.roots.mediaRoot, 'remote/from-url.png'))).toBe(false);
  });

  it('goes back to sign-in, saying why, when the token stops working', async () => {
    await page.evaluate(() => sessionStorage.setItem('rendition.adminToken', 'revoked-token'));
    await page.reload();
    await expect
      .poll(() => page.locator('#sign-in-error').textContent())
      .toContain('The server refused this token (401 UNAUTHORIZED)');
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('ran without an uncaught error or a CSP violation', () => {
    expect(pageProblems).toEqual([]);
  });
});

/** Drops files on the drop zone as a user dragging them from a file manager would. */
async function dropFiles(
  page: Page,
  files: { name: string; type: string; bytes: number[] }[],
): Promise<void> {
  const transfer = await page.evaluateHandle((list) => {
    const data = new DataTransfer();
    for (const file of list) {
      data.items.add(new File([new Uint8Array(file.bytes)], file.name, { type: file.type }));
    }
    return data;
  }, files);
  await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
}

/** Clicks an element (scrolled into view) at a fraction of its width and height. */
async function clickAt(target: Locator, x: number, y: number): Promise<void> {
  await target.scrollIntoViewIfNeeded();
  const box = await target.boundingBox();
  if (box === null) throw new Error('the element is not shown');
  await target.click({ position: { x: box.width * x, y: box.height * y } });
}

/** Waits until every image the selector matches has loaded (or failed). */
async function waitForImages(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (css) =>
      Array.from(document.querySelectorAll(css)).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    selector,
  );
}

/** The mean colour of a loaded image, decoded by the browser (after it loaded). */
async function meanColour(
  page: Page,
  selector: string,
): Promise<{ r: number; g: number; b: number }> {
  await waitForImages(page, selector);
  return page.locator(selector).evaluate((img: PageImage) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const sum = { r: 0, g: 0, b: 0 };
    for (let at = 0; at < data.length; at += 4) {
      sum.r += data[at] ?? 0;
      sum.g += data[at + 1] ?? 0;
      sum.b += data[at + 2] ?? 0;
    }
    const pixels = data.length / 4;
    return { r: sum.r / pixels, g: sum.g / pixels, b: sum.b / pixels };
  });
}

/** The PPOI the admin API reports for a path. */
async function readPpoi(server: TestServer, path: string): Promise<{ x: number; y: number }> {
  const response = await fetch(`${server.url}/admin/images/${path}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { ppoi: { x: number; y: number } }).ppoi;
}

async function registeredPaths(server: TestServer): Promise<string[]> {
  const response = await fetch(`${server.url}/admin/images?limit=1000`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { items: { path: string }[] }).items.map((item) => item.path);
}

function shownPaths(page: Page): Promise<string[]> {
  return page
    .locator('article.card')
    .evaluateAll((cards) => cards.map((card) => (card as PageElement).dataset.path ?? ''));
}
