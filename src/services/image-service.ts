// Registered images: register (upload or URL), look up, set the PPOI, warm, delete.
// What versatileimagefield does with a model field and post_save/post_delete signals.

import { rm } from 'node:fs/promises';
import type { RenditionCache } from '../cache/rendition-cache.js';
import type { AdminConfig, RenderConfig } from '../config/load-config.js';
import { AppError, publicErrorFor, quoteInput } from '../errors.js';
import type { FetchedSource } from '../fetch/fetch-source.js';
import { translateStorageError } from '../fs/storage-errors.js';
import type { OriginalsStore } from '../originals/originals-store.js';
import type { ImageRecord, ImageSource, Registry } from '../registry/registry.js';
import { placeholdersFrom } from '../render/placeholder.js';
import type { RenderQueue } from '../render/queue.js';
import { validateOriginal } from '../render/validate.js';
import type { KeySets } from '../url/key-sets.js';
import { checkMediaPath } from '../url/media-path.js';
import { candidatePaths, checkPathForFormat } from '../url/original-names.js';
import { checkOriginalPath } from '../url/original-path.js';
import { CENTRE, type OutputFormat, type Ppoi } from '../url/rendition-spec.js';
import { createPathLocks } from './path-locks.js';
import { createPlaceholderBackfill } from './placeholder-backfill.js';
import type { RegistrationIntents } from './registration-intents.js';
import { type UrlSets, urlSetsOf } from './url-sets.js';
import { warmItemsFor } from './warm-items.js';
import type { Hold, ImageInput } from '../render/image-input.js';

/** An original arriving: an upload already streamed to a temp file, or a URL to fetch. */
export type IncomingOriginal =
  | {
      readonly kind: 'upload';
      readonly tempFile: string;
      readonly fileName: string | undefined;
      readonly sha256: string;
      readonly bytes: number;
    }
  | { readonly kind: 'url'; readonly url: string };

export interface RegisterOptions {
  readonly path?: string | undefined;
  readonly replace: boolean;
  /** Key sets to render right away (versatileimagefield's post_save warmer). */
  readonly warm: readonly string[];
}

/** A record with its URL sets (plain and srcset, docs/key-sets.md#responsive-images), as the admin API answers it. */
export interface ImageView extends ImageRecord, UrlSets {}

export interface WarmSummary {
  readonly created: number;
  readonly existing: number;
  readonly failed: {
    readonly name: string;
    readonly format: string;
    readonly error: { code: string; message: string };
  }[];
}

export interface ImageServiceOptions {
  readonly registry: Registry;
  readonly originals: OriginalsStore;
  /** Where a registration is written before its original is placed (finished at start-up). */
  readonly intents: RegistrationIntents;
  readonly cache: RenditionCache;
  readonly mediaUrl: string;
  readonly keySets: KeySets;
  readonly preferredFormats: readonly OutputFormat[];
  readonly render: RenderConfig;
  readonly admin: AdminConfig;
  readonly fetchSource: (url: string, destination: string) => Promise<FetchedSource>;
  /** The render queue: placeholders of old records are computed in its slots. */
  readonly queue: RenderQueue;
  /**
   * Throws REGISTRY_UNAVAILABLE while this node is out of step with the others: a write it
   * made then could not reach their caches, so it is refused before anything changes.
   */
  readonly checkInStep?: () => void;
  readonly now?: () => Date;
}

export interface ImageService {
  register(
    incoming: IncomingOriginal,
    options: RegisterOptions,
  ): Promise<ImageView & { warmed?: Record<string, WarmSummary> }>;
  /** The record as stored (placeholders absent on records older than them). */
  get(path: string): ImageView;
  /** The record, with placeholders computed and stored first if it has none (older records). */
  read(path: string): Promise<ImageView>;
  list(options: { cursor?: string | undefined; limit: number; prefix?: string | undefined }): {
    items: ImageView[];
    next: string | null;
  };
  setPpoi(path: string, ppoi: Ppoi): Promise<ImageView>;
  warm(path: string, keySets: readonly string[]): Promise<Record<string, WarmSummary>>;
  delete(path: string): Promise<void>;
  /** Checks key-set names, throwing a 400 naming the unknown one. */
  checkKeySets(names: readonly string[]): void;
}

export function createImageService(options: ImageServiceOptions): ImageService {
  const { registry, originals, cache, keySets } = options;
  const locks = createPathLocks();
  const now = options.now ?? (() => new Date());
  const checkInStep = options.checkInStep ?? (() => {});
  const withPlaceholders = createPlaceholderBackfill({
    registry,
    originals,
    render: options.render,
    queue: options.queue,
    locks,
  });

  function view(record: ImageRecord): ImageView {
    const { mediaUrl, render } = options;
    return { ...record, ...urlSetsOf(record, { mediaUrl, keySets, geometry: render }) };
  }

  function recordOf(path: string): ImageRecord {
    const record = registry.get(checkMediaPath(path));
    if (record === undefined)
      throw new AppError('NOT_FOUND', `No registered image at ${quoteInput(path)}`);
    return record;
  }

  function checkKeySets(names: readonly string[]): void {
    for (const name of names) {
      if (keySets[name] === undefined) {
        throw new AppError(
          'BAD_REQUEST',
          `Expected a key set of ${Object.keys(keySets).join(', ') || '(none configured)'} but received ${quoteInput(name)}`,
        );
      }
    }
  }

  async function warmPath(
    path: string,
    names: readonly string[],
  ): Promise<Record<string, WarmSummary>> {
    const opened = await originals.open(path);
    try {
      return await warmFrom(opened.input, path, names, opened.hold);
    } finally {
      opened.release();
    }
  }

  /** Warms `names` of `path` from `original`, kept readable by `hold` while a render runs. */
  async function warmFrom(
    original: ImageInput,
    path: string,
    names: readonly string[],
    hold: Hold,
  ): Promise<Record<string, WarmSummary>> {
    const summaries: Record<string, WarmSummary> = {};
    for (const name of names) {
      const named = warmItemsFor(path, keySets[name] ?? {}, options.preferredFormats);
      const report = await cache.warm(
        original,
        path,
        named.map((n) => n.item),
        hold,
      );
      summaries[name] = {
        created: report.created.length,
        existing: report.existing,
        failed: report.failed.map(({ item, error }) => ({
          name: named.find((n) => n.item === item)?.name ?? '',
          // The public name of the original's format (docs/admin-api.md), as in `.fallback.` files.
          format: item.choice.kind === 'original' ? 'fallback' : item.choice.format,
          error: publicErrorFor(error).body.error,
        })),
      };
    }
    return summaries;
  }

  async function receive(incoming: IncomingOriginal): Promise<{
    temp: string;
    sha256: string;
    bytes: number;
    fileName: string | undefined;
    source: ImageSource;
  }> {
    if (incoming.kind === 'upload') {
      return {
        temp: incoming.tempFile,
        sha256: incoming.sha256,
        bytes: incoming.bytes,
        fileName: incoming.fileName,
        source:
          incoming.fileName === undefined
            ? { kind: 'upload' }
            : { kind: 'upload', fileName: incoming.fileName },
      };
    }
    const temp = await originals.tempFile();
    const fetched = await options.fetchSource(incoming.url, temp);
    return {
      temp,
      sha256: fetched.sha256,
      bytes: fetched.bytes,
      fileName: fetched.fileName,
      source: { kind: 'url', url: incoming.url },
    };
  }

  async function isTaken(path: string): Promise<boolean> {
    return registry.get(path) !== undefined || (await originals.exists(path));
  }

  /**
   * Under the path's lock: moves `temp` to `path` and records it. Without `replace`, a path
   * already taken (a record or a file) is a 409 and nothing moves.
   */
  function placeAt(
    path: string,
    temp: string,
    recordAt: (path: string) => ImageRecord,
    replace: boolean,
  ): Promise<ImageRecord> {
    return locks.with(path, async () => {
      if (!replace && (await isTaken(path))) {
        throw new AppError(
          'CONFLICT',
          `An original at ${quoteInput(path)} exists; ask for ?replace=true to replace it`,
        );
      }
      const created = recordAt(path);
      // Killed from here until `done`, the next start finishes the registration.
      const intent = await options.intents.begin(created).catch((error: unknown) => {
        throw translateStorageError(error, 'the registration');
      });
      try {
        await originals.place(temp, path, replace).catch((error: unknown) => {
          throw translateStorageError(error, 'the original');
        });
        // Renditions of whatever was there before must never be served again.
        if (replace) await cache.purge(path, 'all');
        try {
          await registry.put(created);
        } catch (error) {
          // Not recorded, so not stored either: a new original is taken back out.
          if (!replace) await originals.remove(path);
          throw translateStorageError(error, 'the registration');
        }
        return created;
      } finally {
        await intent.done();
      }
    });
  }

  /**
   * Places `temp` at the first free path of `candidates`. Each one is checked under its own
   * lock, by the same call that then takes it: ten concurrent uploads of `same.jpg` get ten
   * distinct paths, never a 409.
   */
  async function placeAtFreePath(
    candidates: Iterable<string>,
    temp: string,
    recordAt: (path: string) => ImageRecord,
  ): Promise<ImageRecord> {
    for (const path of candidates) {
      try {
        return await placeAt(path, temp, recordAt, false);
      } catch (error) {
        // Taken meanwhile (another upload, or a file another app wrote): the next candidate.
        if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
      }
    }
    throw new AppError('CONFLICT', 'Could not find a free path for the upload');
  }

  return {
    async register(incoming, registerOptions) {
      checkKeySets(registerOptions.warm);
      if (registerOptions.path !== undefined) checkOriginalPath(registerOptions.path);
      const received = await receive(incoming);
      try {
        checkInStep();
        // In a render slot: a full decode costs what a render does (16 concurrent 16.7 MP AVIF
        // uploads peaked at 1.5 GiB when they all decoded at once).
        const info = await options.queue.run(() => validateOriginal(received.temp, options.render));
        // From the validating decode's own preview: no second decode of the original.
        const placeholders = await placeholdersFrom(info.preview);
        const recordAt = (path: string): ImageRecord => ({
          path,
          width: info.width,
          height: info.height,
          format: info.format,
          bytes: received.bytes,
          sha256: received.sha256,
          ppoi: CENTRE,
          source: received.source,
          createdAt: now().toISOString(),
          placeholders,
        });
        const record =
          registerOptions.path !== undefined
            ? await placeAt(
                checkPathForFormat(registerOptions.path, info.format),
                received.temp,
                recordAt,
                registerOptions.replace,
              )
            : await placeAtFreePath(
                candidatePaths(options.admin.uploadPrefix, received.fileName, info.format),
                received.temp,
                recordAt,
              );
        if (registerOptions.warm.length === 0) return view(record);
        return { ...view(record), warmed: await warmPath(record.path, registerOptions.warm) };
      } finally {
        await rm(received.temp, { force: true });
      }
    },

    get(path) {
      return view(recordOf(path));
    },

    async read(path) {
      return view(await withPlaceholders(recordOf(path)));
    },

    list(listOptions) {
      const page = registry.list(listOptions);
      return { items: page.items.map(view), next: page.next };
    },

    setPpoi(path, ppoi) {
      return locks.with(path, async () => {
        checkInStep();
        const updated = { ...recordOf(path), ppoi: { x: ppoi.x, y: ppoi.y }, ppoiSet: true };
        await registry.put(updated);
        await cache.purge(path, 'crop');
        return view(updated);
      });
    },

    warm(path, names) {
      checkKeySets(names);
      // Unregistered originals (dropped in MEDIA_ROOT by another app) warm too.
      return warmPath(checkMediaPath(path), names);
    },

    delete(path) {
      checkMediaPath(path);
      return locks.with(path, async () => {
        checkInStep();
        const registered = registry.get(path) !== undefined;
        // Only a file is an original: a directory here (its renditions' parent too) is no
        // image, and purging its cache directory would remove every rendition under it.
        const kind = await originals.kindOf(path);
        if (!registered && kind !== 'file') {
          throw new AppError('NOT_FOUND', `No image at ${quoteInput(path)}`);
        }
        if (kind === 'directory') {
          // A record naming a directory (its files were put there by hand): the record only.
          await registry.delete(path).catch((error: unknown) => {
            throw translateStorageError(error, 'the deletion');
          });
          return;
        }
        // Until the record goes the image stays listed, so whatever fails midway leaves a
        // state a second DELETE completes. The original is only set aside until then: a
        // record that cannot be removed (a full disk) gets it back. First the renditions (and
        // in-flight renders disarmed), then the original, then the renditions again: a render
        // that began reading the original between the first purge and its move is disarmed
        // and its file removed by the second.
        await cache.purge(path, 'all');
        const aside = await originals.setAside(path);
        await cache.purge(path, 'all');
        if (registered) {
          try {
            await registry.delete(path);
          } catch (error) {
            await aside?.restore();
            throw translateStorageError(error, 'the deletion');
          }
        }
        await aside?.discard();
      });
    },

    checkKeySets,
  };
}
