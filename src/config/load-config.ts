// Loads and validates the configuration: environment, then CONFIG_FILE, then defaults.
// The environment arrives as an argument from the CLI; this module reads only the config file.

import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { z } from 'zod';
import type { AppError } from '../errors.js';
import {
  type KeySets,
  type ParsedKeySetEntry,
  parseKeySetValue,
  sizesOfKeySets,
} from '../url/key-sets.js';
import { nearestName } from '../url/nearest-name.js';
import type { CropStrategy, OutputFormat, ThumbnailRounding } from '../url/rendition-spec.js';
import type { SizesPolicy } from '../url/sizes-policy.js';
import { type Colour, parseColour } from './colour.js';
import type { Gravity } from './gravity.js';
import { defaultRenditionsPrefix, renditionsPrefixProblem } from './renditions-prefix.js';
import type { LogLevel, PurgeWebhookFormat } from './settings.js';
import { SETTINGS, type Setting, type SettingName, type SettingValues } from './settings.js';

/** The key sets used without a config file: the article's `image` set. */
export const DEFAULT_KEY_SETS: KeySets = {
  image: {
    small: { sizer: 'thumbnail', width: 180, height: 180 },
    medium: { sizer: 'thumbnail', width: 220, height: 220 },
    large: { sizer: 'thumbnail', width: 320, height: 320 },
  },
};

/** The whole configuration, validated, frozen and grouped by consumer. */
export interface Config {
  readonly server: { readonly host: string; readonly port: number };
  /** Absolute paths. */
  readonly roots: {
    readonly mediaRoot: string;
    readonly cacheRoot: string;
    readonly dataDir: string;
  };
  readonly http: { readonly mediaUrl: string; readonly cacheMaxAge: number };
  readonly negotiation: { readonly preferred: readonly OutputFormat[] };
  readonly sizes: SizesPolicy;
  readonly keySets: KeySets;
  readonly encoder: EncoderConfig;
  readonly render: RenderConfig;
  readonly hotCache: { readonly maxBytes: number; readonly maxFileBytes: number };
  /** CACHE_MAX_BYTES (0: unlimited) and the low-water mark, in bytes. */
  readonly cacheBudget: { readonly maxBytes: number; readonly lowWaterBytes: number };
  readonly admin: AdminConfig;
  readonly registry: RegistryConfig;
  readonly originals: OriginalsConfig;
  /** SIGNING_KEYS: empty turns signed URLs off. */
  readonly signing: { readonly keys: readonly string[] };
  readonly cdn: CdnConfig;
  readonly configFile: string | undefined;
  readonly log: { readonly level: LogLevel; readonly accessLog: boolean };
  /** `GET /metrics` behind the admin token. */
  readonly metrics: { readonly requireToken: boolean };
  /** Deadline of a graceful shutdown, in ms. */
  readonly shutdown: { readonly timeoutMs: number };

  /** FALLBACK_IMAGE (a media path; undefined: off) and FALLBACK_STATUS. */
  readonly fallback: { readonly image: string | undefined; readonly status: 200 | 404 };
  readonly watermark: WatermarkConfig;
}

/** The `watermark` filter's settings (WATERMARK_*). */
export interface WatermarkConfig {
  /** Absolute path of the image file; undefined: the filter is off. */
  readonly image: string | undefined;
  readonly gravity: Gravity;
  /** Output pixels between the mark and the edges it sits against. */
  readonly margin: number;
  /** 0..1, times the mark's own alpha. */
  readonly opacity: number;
  /** The mark's width as a fraction of the output width. */
  readonly scale: number;
}

/** How large and how deep an admin JSON body may be. */
export interface JsonBodyLimits {
  /** Bytes, counted while reading (413 past it). */
  readonly maxBytes: number;
  /** Nesting of arrays and objects (400 past it). */
  readonly maxDepth: number;
}

export interface AdminConfig {
  /** Empty: generate one in DATA_DIR. */
  readonly token: string;
  readonly requireRegistration: boolean;
  readonly uploadPrefix: string;
  readonly maxSourceBytes: number;
  /** MAX_JSON_BODY_BYTES and MAX_JSON_DEPTH: the admin API's JSON bodies. */
  readonly json: JsonBodyLimits;
  readonly fetchTimeoutMs: number;
  readonly fetchAllowCidrs: readonly string[];
  readonly warmConcurrency: number;
}

/** REGISTRY and, for `postgres`, how to reach it and how stale a cut-off node may serve. */
export interface RegistryConfig {
  readonly kind: 'lowdb' | 'postgres';
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly heartbeatMs: number;
  readonly maxStalenessMs: number;
}

export interface OriginalsConfig {
  readonly store: 'local' | 's3';
  /** S3_* settings; `prefix` without slashes at either end. */
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly bucket: string;
    readonly prefix: string;
    readonly forcePathStyle: boolean;
  };
  readonly cacheBytes: number;
  readonly rescanSeconds: number;
  readonly redirectSeconds: number;
  /** RENDITION_STORE and the resolved S3_RENDITIONS_PREFIX (docs/multi-node.md#shared-renditions). */
  readonly renditions: { readonly store: 'local' | 's3'; readonly prefix: string };
}

/** A CDN in front (docs/cdn.md): the key header of answers, and whom a purge tells. */
export interface CdnConfig {
  /** SURROGATE_KEY_HEADER; undefined: off. */
  readonly surrogateKeyHeader: string | undefined;
  /** PURGE_WEBHOOK_*; undefined: off. */
  readonly webhook:
    | {
        readonly url: string;
        readonly format: PurgeWebhookFormat;
        readonly headers: Readonly<Record<string, string>>;
        readonly delayMs: number;
      }
    | undefined;
}

export interface EncoderConfig {
  readonly jpegQuality: number;
  readonly webpQuality: number;
  readonly avifQuality: number;
  readonly avifEffort: number;
  readonly pngCompression: number;
}

export interface RenderConfig {
  readonly upscale: boolean;
  /** Enlarge crops of small originals to WxH even without UPSCALE (CROP_UPSCALE). */
  readonly cropUpscale: boolean;
  /** THUMBNAIL_ROUNDING. */
  readonly thumbnailRounding: ThumbnailRounding;
  /** Bound of a filters-only rendition's size (MAX_WIDTH x MAX_HEIGHT). */
  readonly maxOutput: { readonly width: number; readonly height: number };
  readonly concurrency: number;
  /** Whole-original decodes at once (VALIDATE_CONCURRENCY), each also in a render slot. */
  readonly validateConcurrency: number;
  readonly queueLimit: number;
  readonly timeoutMs: number;
  readonly maxInputPixels: number;
  /** Most frames or pages of an original (MAX_INPUT_FRAMES). */
  readonly maxInputFrames: number;
  /** Most frames x width x height of an animation rendered frame by frame (MAX_ANIMATION_PIXELS). */
  readonly maxAnimationPixels: number;
  readonly inputFormats: readonly string[];
  /** How a crop of an image without a PPOI is anchored (CROP_STRATEGY). */
  readonly cropStrategy: CropStrategy;
  /** Bars of a `pad` rendition (PAD_BACKGROUND); undefined: transparent where the format has alpha, else white. */
  readonly padBackground: Colour | undefined;
}

/** Every bad setting, one line each, reported together. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds the configuration from environment variables and the optional `CONFIG_FILE`
 * (JSON: any setting by its key, plus `keySets`). Relative roots resolve against `cwd`.
 * Throws a {@link ConfigError} naming every bad setting.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const configFile =
    env.CONFIG_FILE === undefined || env.CONFIG_FILE === ''
      ? undefined
      : resolve(cwd, env.CONFIG_FILE);
  const file = configFile === undefined ? {} : readConfigFile(configFile, problems);

  const values = {} as Record<SettingName, unknown>;
  for (const [name, row] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    values[name] = readSetting(name, row, env, file, problems);
  }
  const keySets =
    file.keySets === undefined
      ? DEFAULT_KEY_SETS
      : parseKeySets(file.keySets, problems, {
          maxWidth: values.maxWidth as number,
          maxHeight: values.maxHeight as number,
        });
  for (const key of Object.keys(file)) {
    if (key !== 'keySets' && !Object.hasOwn(SETTINGS, key)) {
      const near = nearestName(key, FILE_KEYS);
      const hint = near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
      problems.push(`CONFIG_FILE: unknown key ${JSON.stringify(key)}${hint}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = assemble(values as SettingValues, keySets, cwd, configFile);
  if (config.registry.kind === 'postgres' && config.registry.databaseUrl === '') {
    throw new ConfigError(['DATABASE_URL: expected a postgres:// URL, since REGISTRY=postgres']);
  }
  if (config.originals.store === 's3' && config.originals.s3.bucket === '') {
    throw new ConfigError(['S3_BUCKET: expected a bucket name, since ORIGINALS_STORE=s3']);
  }
  const shared = sharedRenditionsProblems(config);
  if (shared.length > 0) throw new ConfigError(shared);
  const overlap = rootsOverlap(config.roots);
  if (overlap !== undefined) throw new ConfigError([overlap]);
  return deepFreeze(config);
}

/** RENDITION_STORE=s3 needs the shared bucket, the purge log, and a prefix of its own. */
function sharedRenditionsProblems(config: Config): string[] {
  const { originals, registry } = config;
  if (originals.renditions.store !== 's3') return [];
  const problems: string[] = [];
  if (originals.store !== 's3') {
    problems.push(
      'RENDITION_STORE=s3: needs ORIGINALS_STORE=s3 (the shared objects live in S3_BUCKET)',
    );
  }
  if (registry.kind !== 'postgres') {
    problems.push(
      'RENDITION_STORE=s3: needs REGISTRY=postgres (purges reach every node through its purge log)',
    );
  }
  const overlap = renditionsPrefixProblem(originals.renditions.prefix, originals.s3.prefix);
  if (overlap !== undefined) problems.push(overlap);
  return problems;
}

/**
 * The roots must stay apart: MEDIA_ROOT is served to the public (so DATA_DIR, with the
 * registry and the admin token, must not be inside it), and the cache is evicted (so it
 * must not hold originals). DATA_DIR may contain the other two, as the defaults do.
 */
export function rootsOverlap(roots: Config['roots']): string | undefined {
  // (fs/inside-root's isInside sits in a layer above config: the same rule, `/` included.)
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : `${outer}${sep}`);
  const { mediaRoot, cacheRoot, dataDir } = roots;
  if (within(mediaRoot, cacheRoot) || within(cacheRoot, mediaRoot)) {
    return `MEDIA_ROOT (${mediaRoot}) and CACHE_ROOT (${cacheRoot}) must not contain each other`;
  }
  if (within(dataDir, mediaRoot) || within(dataDir, cacheRoot)) {
    return `DATA_DIR (${dataDir}) must not be inside MEDIA_ROOT or CACHE_ROOT (it holds the admin token)`;
  }
  return undefined;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    problems.push(`CONFIG_FILE (${path}): expected a JSON object`);
  } catch (error) {
    problems.push(`CONFIG_FILE (${path}): ${(error as Error).message}`);
  }
  return {};
}

function readSetting(
  key: SettingName,
  row: Setting,
  env: Env,
  file: Record<string, unknown>,
  problems: string[],
): unknown {
  const fromEnv = env[row.env];
  const [raw, source] =
    fromEnv !== undefined ? [fromEnv, 'environment'] : [file[key], `CONFIG_FILE key "${key}"`];
  if (raw === undefined) return row.default;
  const result = row.schema.safeParse(raw);
  if (result.success) return result.data;
  problems.push(
    `${row.env} (${source}): ${messageOf(result.error.issues)}, received ${row.secret === true ? `a value of ${String(raw).length} characters (not shown: a credential)` : JSON.stringify(raw)}`,
  );
  return row.default;
}

/**
 * The message of the first issue. A union's own ("Invalid input") says nothing: it is
 * replaced by the first message of a branch that got the right type (`PORT=abc`: the
 * string branch's "expected an integer", not the number branch's type mismatch).
 */
function messageOf(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'invalid';
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue.message;
  const branches = issue.errors.filter((branch) => branch.length > 0);
  const typed = branches.find((branch) => branch[0]?.code !== 'invalid_type') ?? branches[0];
  return typed === undefined ? issue.message : messageOf(typed);
}

/** The keys a CONFIG_FILE may hold. */
const FILE_KEYS = ['keySets', ...Object.keys(SETTINGS)];

/**
 * One line for each environment variable that is not a setting but looks like a misspelt
 * one (`PROT`, `MAX_WIDHT`), naming the setting; other variables (`PATH`) are left alone.
 */
export function settingTypos(env: Env): string[] {
  const names = [...Object.values(SETTINGS).map((row) => row.env), 'CONFIG_FILE'];
  const lines: string[] = [];
  for (const name of Object.keys(env)) {
    const near = nearestName(name, names);
    if (near !== undefined) {
      lines.push(`${name} is not a setting (ignored); did you mean ${near}? (docs/settings.md)`);
    }
  }
  return lines;
}

function parseKeySets(
  raw: unknown,
  problems: string[],
  limits: { maxWidth: number; maxHeight: number },
): KeySets {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(
      'CONFIG_FILE key "keySets": expected {"<key set>": {"<name>": "<sizer>__<W>x<H>"}}',
    );
    return {};
  }
  const keySets: Record<string, Record<string, ParsedKeySetEntry>> = {};
  for (const [setName, entries] of Object.entries(raw)) {
    keySets[setName] = {};
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      problems.push(`CONFIG_FILE keySets.${setName}: expected {"<name>": "<sizer>__<W>x<H>"}`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      try {
        keySets[setName][name] = parseKeySetValue(entry, limits);
      } catch (error) {
        problems.push(`CONFIG_FILE keySets.${setName}.${name}: ${(error as AppError).message}`);
      }
    }
  }
  return keySets;
}

function assemble(
  v: SettingValues,
  keySets: KeySets,
  cwd: string,
  configFile: string | undefined,
): Config {
  return {
    server: { host: v.host, port: v.port },
    roots: {
      mediaRoot: resolve(cwd, v.mediaRoot),
      cacheRoot: resolve(cwd, v.cacheRoot),
      dataDir: resolve(cwd, v.dataDir),
    },
    http: { mediaUrl: v.mediaUrl, cacheMaxAge: v.cacheMaxAge },
    negotiation: { preferred: v.negotiateFormats },
    sizes: {
      allowed: new Set([...sizesOfKeySets(keySets), ...v.allowedSizes]),
      arbitrary: v.arbitrarySizes,
      maxWidth: v.maxWidth,
      maxHeight: v.maxHeight,
    },
    keySets,
    encoder: {
      jpegQuality: v.jpegQuality,
      webpQuality: v.webpQuality,
      avifQuality: v.avifQuality,
      avifEffort: v.avifEffort,
      pngCompression: v.pngCompression,
    },
    render: {
      upscale: v.upscale,
      cropUpscale: v.cropUpscale,
      thumbnailRounding: v.thumbnailRounding,
      maxOutput: { width: v.maxWidth, height: v.maxHeight },
      concurrency: v.renderConcurrency,
      validateConcurrency: v.validateConcurrency,
      queueLimit: v.renderQueue,
      timeoutMs: v.renderTimeoutMs,
      maxInputPixels: v.maxInputPixels,
      maxInputFrames: v.maxInputFrames,
      maxAnimationPixels: v.maxAnimationPixels,
      inputFormats: v.inputFormats,
      cropStrategy: v.cropStrategy,
      padBackground: parseColour(v.padBackground),
    },
    hotCache: { maxBytes: v.hotCacheBytes, maxFileBytes: v.hotCacheFileBytes },
    cacheBudget: {
      maxBytes: v.cacheMaxBytes,
      lowWaterBytes: Math.floor((v.cacheMaxBytes * v.cacheLowWaterPercent) / 100),
    },
    admin: {
      token: v.adminToken,
      requireRegistration: v.requireRegistration,
      uploadPrefix: v.uploadPrefix,
      maxSourceBytes: v.maxSourceBytes,
      json: { maxBytes: v.maxJsonBodyBytes, maxDepth: v.maxJsonDepth },
      fetchTimeoutMs: v.fetchTimeoutMs,
      fetchAllowCidrs: v.fetchAllowCidrs,
      warmConcurrency: v.warmConcurrency,
    },
    registry: {
      kind: v.registry,
      databaseUrl: v.databaseUrl,
      poolSize: v.databasePoolSize,
      heartbeatMs: v.registryHeartbeatMs,
      maxStalenessMs: v.registryMaxStalenessMs,
    },
    originals: {
      store: v.originalsStore,
      s3: {
        endpoint: v.s3Endpoint.replace(/\/$/, ''),
        region: v.s3Region,
        bucket: v.s3Bucket,
        prefix: v.s3Prefix,
        forcePathStyle: v.s3ForcePathStyle,
      },
      cacheBytes: v.originalsCacheBytes,
      redirectSeconds: v.originalsRedirectSeconds,
      rescanSeconds: v.originalsRescanSeconds,
      renditions: {
        store: v.renditionStore,
        prefix:
          v.s3RenditionsPrefix === '' ? defaultRenditionsPrefix(v.s3Prefix) : v.s3RenditionsPrefix,
      },
    },
    signing: { keys: v.signingKeys },
    cdn: {
      surrogateKeyHeader: v.surrogateKeyHeader === '' ? undefined : v.surrogateKeyHeader,
      webhook:
        v.purgeWebhookUrl === ''
          ? undefined
          : {
              url: v.purgeWebhookUrl,
              format: v.purgeWebhookFormat,
              headers: v.purgeWebhookHeaders,
              delayMs: v.purgeWebhookDelayMs,
            },
    },
    configFile,
    log: { level: v.logLevel, accessLog: v.accessLog },
    metrics: { requireToken: v.metricsRequireToken },
    shutdown: { timeoutMs: v.shutdownTimeoutMs },

    fallback: {
      image: v.fallbackImage === '' ? undefined : v.fallbackImage,
      status: v.fallbackStatus === 200 ? 200 : 404,
    },
    watermark: {
      image: v.watermarkImage === '' ? undefined : resolve(cwd, v.watermarkImage),
      gravity: v.watermarkGravity,
      margin: v.watermarkMargin,
      opacity: v.watermarkOpacity,
      scale: v.watermarkScale,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Object.isFrozen(value) &&
    !(value instanceof Set)
  ) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
