// The table of settings: one row each feeds the loader, `--help` and docs/settings.md.

import { z } from 'zod';
import { checkMediaPath } from '../url/media-path.js';
import { CROP_STRATEGIES, NEGOTIABLE_FORMATS, THUMBNAIL_ROUNDINGS } from '../url/rendition-spec.js';
import { parseColour } from './colour.js';
import { GRAVITIES } from './gravity.js';
import {
  boolean,
  decimal,
  HEADER_NAME,
  integer,
  list,
  text,
  webhookHeaders,
} from './setting-types.js';

export interface Setting<T = unknown> {
  /** Environment variable name. */
  readonly env: string;
  readonly schema: z.ZodType<T>;
  readonly default: T;
  readonly description: string;
  /** A credential: a refused value is never echoed in the error. */
  readonly secret?: true;
}

function setting<T>(row: Setting<T>): Setting<T> {
  return row;
}

const MIB = 1024 * 1024;

/** pino's levels, least to most severe, and `silent`. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Bodies the purge webhook can send (src/cdn/purge-request.ts). */
export const PURGE_WEBHOOK_FORMATS = ['json', 'fastly', 'cloudflare'] as const;
export type PurgeWebhookFormat = (typeof PURGE_WEBHOOK_FORMATS)[number];
const SIZE = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,4})x(0|[1-9][0-9]{0,4})$/, 'expected WxH, e.g. 320x240');

/**
 * Every setting, in the order docs/settings.md lists them. The property name is the
 * setting's key in the optional CONFIG_FILE (the environment wins over the file).
 */
export const SETTINGS = {
  host: setting({
    env: 'HOST',
    schema: text(),
    default: '127.0.0.1',
    description: 'Address the Node server listens on.',
  }),
  port: setting({
    env: 'PORT',
    schema: integer(0, 65535),
    default: 3000,
    description: 'Port the Node server listens on (0: any free port).',
  }),
  mediaUrl: setting({
    env: 'MEDIA_URL',
    schema: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+\/?$/, 'expected a path prefix such as /media')
      .transform((value) => value.replace(/\/$/, '')),
    default: '/media',
    description: 'URL prefix of originals and renditions.',
  }),
  mediaRoot: setting({
    env: 'MEDIA_ROOT',
    schema: text(),
    default: './var/media',
    description: 'Directory of originals (never evicted).',
  }),
  cacheRoot: setting({
    env: 'CACHE_ROOT',
    schema: text(),
    default: './var/cache',
    description:
      'Directory of rendered renditions, laid out as the URLs (docs/caching.md#cache-layout).',
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    schema: text(),
    default: './var',
    description: 'Directory of the registry and other state.',
  }),
  registry: setting({
    env: 'REGISTRY',
    schema: z.enum(['lowdb', 'postgres']),
    default: 'lowdb' as 'lowdb' | 'postgres',
    description:
      'Where the registry lives: `lowdb` (files in DATA_DIR, one node) or `postgres` (DATABASE_URL, shared by every node; docs/operations.md#several-nodes-the-registry-in-postgresql).',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    secret: true,
    schema: z
      .string()
      .trim()
      .refine(
        (value) => value === '' || /^postgres(ql)?:\/\//.test(value),
        'expected a postgres:// URL, e.g. postgres://rendition@db.internal/rendition',
      ),
    default: '',
    description:
      'PostgreSQL connection URL of REGISTRY=postgres (libpq form; `sslmode` and a password go in it or in PG* variables).',
  }),
  databasePoolSize: setting({
    env: 'DATABASE_POOL_SIZE',
    schema: integer(1, 1000),
    default: 10,
    description:
      'Connections each node keeps to PostgreSQL for queries (plus one for LISTEN); size the server for nodes x (this + 1).',
  }),
  registryHeartbeatMs: setting({
    env: 'REGISTRY_HEARTBEAT_MS',
    schema: integer(50, 60_000),
    default: 1_000,
    description:
      'How often a node polls the change log besides LISTEN/NOTIFY and retries a lost PostgreSQL connection, in milliseconds.',
  }),
  registryMaxStalenessMs: setting({
    env: 'REGISTRY_MAX_STALENESS_MS',
    schema: integer(0, 86_400_000),
    default: 30_000,
    description:
      'How long a node that cannot reach PostgreSQL keeps serving its cached renditions (misses answer 503 REGISTRY_UNAVAILABLE at once); past it the node empties its cache, in milliseconds.',
  }),
  originalsStore: setting({
    env: 'ORIGINALS_STORE',
    schema: z.enum(['local', 's3']),
    default: 'local' as 'local' | 's3',
    description:
      'Where originals live: `local` (MEDIA_ROOT) or `s3` (S3_BUCKET under S3_PREFIX, shared by every node; docs/multi-node.md).',
  }),
  s3Endpoint: setting({
    env: 'S3_ENDPOINT',
    schema: z
      .string()
      .trim()
      .refine(
        (value) => value === '' || /^https?:\/\/[^/]+\/?$/.test(value),
        'expected an http(s):// URL without a path, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000',
      ),
    default: '',
    description:
      'S3 API endpoint of ORIGINALS_STORE=s3 (R2, MinIO, Ceph radosgw); empty for AWS S3. Credentials come from the AWS SDK chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, roles).',
  }),
  s3Region: setting({
    env: 'S3_REGION',
    schema: z.string().trim().min(1, 'expected a region, e.g. us-east-1 (R2: auto)'),
    default: 'us-east-1',
    description: 'Region of S3_BUCKET (R2: `auto`; MinIO and Ceph accept `us-east-1`).',
  }),
  s3Bucket: setting({
    env: 'S3_BUCKET',
    schema: z
      .string()
      .trim()
      .refine(
        (value) => value === '' || /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value),
        'expected an S3 bucket name (3-63 characters: a-z 0-9 . -)',
      ),
    default: '',
    description: 'Bucket of the originals with ORIGINALS_STORE=s3 (required there).',
  }),
  s3Prefix: setting({
    env: 'S3_PREFIX',
    schema: z
      .string()
      .trim()
      .refine(
        (value) => isMediaPathOrEmpty(value.replace(/^\/+|\/+$/g, '')),
        'expected key segments of letters, digits and ._~@+- (no empty, "." or ".."), e.g. media/originals',
      )
      .transform((value) => value.replace(/^\/+|\/+$/g, '')),
    default: '',
    description:
      'Key prefix of the originals in S3_BUCKET, a root like MEDIA_ROOT: `<prefix>/<media path>`; nothing outside it is read or written.',
  }),
  renditionStore: setting({
    env: 'RENDITION_STORE',
    schema: z.enum(['local', 's3']),
    default: 'local' as 'local' | 's3',
    description:
      'Where renditions are kept: `local` (CACHE_ROOT only) or `s3` (also shared objects in S3_BUCKET under S3_RENDITIONS_PREFIX; needs ORIGINALS_STORE=s3 and REGISTRY=postgres; docs/multi-node.md#shared-renditions).',
  }),
  s3RenditionsPrefix: setting({
    env: 'S3_RENDITIONS_PREFIX',
    schema: z
      .string()
      .trim()
      .refine(
        (value) =>
          /^(|(?!\.\.?(\/|$))[A-Za-z0-9._~@+:-]+(\/(?!\.\.?(\/|$))[A-Za-z0-9._~@+:-]+)*)$/.test(
            value.replace(/^\/+|\/+$/g, ''),
          ),
        'expected key segments of letters, digits and ._~@+-: (no empty, "." or ".."), e.g. media/:renditions',
      )
      .transform((value) => value.replace(/^\/+|\/+$/g, '')),
    default: '',
    description:
      'With RENDITION_STORE=s3: key prefix of the shared renditions in S3_BUCKET, `<prefix>/<cache layout path>`; empty means `<S3_PREFIX>/:renditions`. Must not overlap S3_PREFIX.',
  }),
  s3ForcePathStyle: setting({
    env: 'S3_FORCE_PATH_STYLE',
    schema: boolean(),
    default: false,
    description:
      'Address the bucket as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint>` (MinIO and Ceph radosgw need it).',
  }),
  originalsCacheBytes: setting({
    env: 'ORIGINALS_CACHE_BYTES',
    schema: integer(0, Number.MAX_SAFE_INTEGER),
    default: 1024 * MIB,
    description:
      'With ORIGINALS_STORE=s3: bytes of the local read-through copies of originals (in CACHE_ROOT), least recently used evicted; 0 keeps an original only while it renders (in memory, or in a temp file past 16 MiB).',
  }),
  originalsRescanSeconds: setting({
    env: 'ORIGINALS_RESCAN_SECONDS',
    schema: integer(1, 86_400),
    default: 60,
    description:
      "With ORIGINALS_STORE=s3: how often the bucket is listed to notice originals replaced or deleted behind rendition's back (their renditions are purged), and how old a local copy may be before a miss revalidates it.",
  }),
  originalsRedirectSeconds: setting({
    env: 'ORIGINALS_REDIRECT_SECONDS',
    schema: integer(0, 604_800),
    default: 0,
    description:
      'With ORIGINALS_STORE=s3: 0 streams `MEDIA_URL/<original>` from Node; more answers 302 to a presigned GET URL valid that many seconds.',
  }),
  negotiateFormats: setting({
    env: 'NEGOTIATE_FORMATS',
    schema: list(z.enum(NEGOTIABLE_FORMATS)),
    default: ['avif', 'webp'] as ('jpg' | 'png' | 'webp' | 'avif')[],
    description:
      "Formats offered to clients whose Accept lists them, in order of preference, for URLs without an extension. Empty: negotiation off (the original's format).",
  }),
  allowedSizes: setting({
    env: 'ALLOWED_SIZES',
    schema: list(SIZE),
    default: [] as string[],
    description: 'Sizes (`WxH`) allowed besides those of the key sets, e.g. `350x350,640x0`.',
  }),
  arbitrarySizes: setting({
    env: 'ARBITRARY_SIZES',
    schema: boolean(),
    default: false,
    description: 'Allow any size up to MAX_WIDTH x MAX_HEIGHT (lets anyone fill the cache).',
  }),
  maxWidth: setting({
    env: 'MAX_WIDTH',
    schema: integer(1, 16384),
    default: 2048,
    description: 'Largest width of an arbitrary size and of a filters-only rendition, in pixels.',
  }),
  maxHeight: setting({
    env: 'MAX_HEIGHT',
    schema: integer(1, 16384),
    default: 2048,
    description: 'Largest height of an arbitrary size and of a filters-only rendition, in pixels.',
  }),
  upscale: setting({
    env: 'UPSCALE',
    schema: boolean(),
    default: false,
    description:
      'Enlarge originals smaller than the requested size (off: never upscale). A change purges the cached sized renditions at start.',
  }),
  thumbnailRounding: setting({
    env: 'THUMBNAIL_ROUNDING',
    schema: z.enum(THUMBNAIL_ROUNDINGS),
    default: 'nearest' as 'nearest' | 'pillow',
    description:
      "How the free side of a fit-inside size (thumbnail, pad, a side of 0) is rounded: `nearest`, or `pillow` (Pillow's thumbnail(), down or up, whichever keeps the aspect closer: versatileimagefield's sizes, e.g. 34x34 of 601x203 is 34x12, not 34x11). A change purges the cached renditions it sizes at start.",
  }),
  cropUpscale: setting({
    env: 'CROP_UPSCALE',
    schema: boolean(),
    default: false,
    description:
      'Enlarge an original smaller than a `crop` to exactly WxH, as versatileimagefield does, even with UPSCALE off (thumbnails stay unenlarged). A change purges the cached crops at start.',
  }),
  padBackground: setting({
    env: 'PAD_BACKGROUND',
    schema: z
      .string()
      .trim()
      .refine((value) => value === '' || parseColour(value) !== undefined, {
        error: 'expected #rgb, #rrggbb, #rrggbbaa or transparent',
      }),
    default: '',
    description:
      'Colour of the bars a `pad` rendition is extended with: `#rgb`, `#rrggbb`, `#rrggbbaa` or `transparent`. Empty: transparent in formats with alpha (png, webp, avif), white in jpg. A change purges the cached pads at start.',
  }),
  watermarkImage: setting({
    env: 'WATERMARK_IMAGE',
    schema: z.string().trim(),
    default: '',
    description:
      'Image file the `watermark` filter composites onto renditions (PNG with alpha works best), read once at start; a file that is not a readable image stops the start. Empty: the filter is refused (400 WATERMARK_NOT_CONFIGURED). A change of any WATERMARK_ setting or of the file purges the cached watermarked renditions at the next start (docs/urls.md#watermark).',
  }),
  watermarkGravity: setting({
    env: 'WATERMARK_GRAVITY',
    schema: z.enum(GRAVITIES),
    default: 'southeast' as (typeof GRAVITIES)[number],
    description: `Where the watermark sits on the rendition: ${GRAVITIES.join(', ')}.`,
  }),
  watermarkMargin: setting({
    env: 'WATERMARK_MARGIN',
    schema: integer(0, 10_000),
    default: 16,
    description:
      'Gap in output pixels between the watermark and the edges it is placed against (none at the centre).',
  }),
  watermarkOpacity: setting({
    env: 'WATERMARK_OPACITY',
    schema: decimal(0, 1),
    default: 0.5,
    description: 'Opacity of the watermark, 0..1: its own alpha times this.',
  }),
  watermarkScale: setting({
    env: 'WATERMARK_SCALE',
    schema: decimal(0.01, 1),
    default: 0.25,
    description:
      "Width of the watermark as a fraction of the rendition's width (its aspect ratio kept; shrunk further to fit inside the margins).",
  }),
  jpegQuality: setting({
    env: 'JPEG_QUALITY',
    schema: integer(1, 100),
    default: 80,
    description: 'JPEG quality (progressive JPEG, 4:2:0).',
  }),
  webpQuality: setting({
    env: 'WEBP_QUALITY',
    schema: integer(1, 100),
    default: 80,
    description: 'WebP quality.',
  }),
  avifQuality: setting({
    env: 'AVIF_QUALITY',
    schema: integer(1, 100),
    default: 50,
    description: 'AVIF quality.',
  }),
  avifEffort: setting({
    env: 'AVIF_EFFORT',
    schema: integer(0, 9),
    default: 1,
    description:
      "AVIF encoder effort, 0 (fastest) to 9 (smallest). Effort 4 (sharp's default) took 557 ms for one 350px thumbnail here, effort 2 84 ms.",
  }),
  pngCompression: setting({
    env: 'PNG_COMPRESSION',
    schema: integer(0, 9),
    default: 6,
    description: 'PNG zlib compression level, 0 to 9.',
  }),
  cacheMaxAge: setting({
    env: 'CACHE_MAX_AGE',
    schema: integer(0, 31_536_000),
    default: 86_400,
    description: '`Cache-Control: public, max-age=` of originals and renditions, in seconds.',
  }),
  hotCacheBytes: setting({
    env: 'HOT_CACHE_BYTES',
    schema: integer(0, 64 * 1024 * MIB),
    default: 64 * MIB,
    description: 'Memory for hot renditions served by Node without nginx, in bytes (0: off).',
  }),
  hotCacheFileBytes: setting({
    env: 'HOT_CACHE_FILE_BYTES',
    schema: integer(0, 1024 * MIB),
    default: 1 * MIB,
    description: 'Largest file kept in the hot cache, in bytes; larger ones are streamed.',
  }),
  cacheMaxBytes: setting({
    env: 'CACHE_MAX_BYTES',
    schema: integer(0, Number.MAX_SAFE_INTEGER),
    default: 10 * 1024 * MIB,
    description:
      'Byte budget of CACHE_ROOT (file sizes); past it the least recently used renditions are evicted (docs/caching.md#cache-budget). 0: unlimited.',
  }),
  cacheLowWaterPercent: setting({
    env: 'CACHE_LOW_WATER_PERCENT',
    schema: integer(1, 100),
    default: 90,
    description: 'Eviction stops once the cache holds at most this percentage of CACHE_MAX_BYTES.',
  }),
  renderConcurrency: setting({
    env: 'RENDER_CONCURRENCY',
    schema: integer(1, 256),
    default: 2,
    description: 'Renders run at once (one per core is right for sharp).',
  }),
  validateConcurrency: setting({
    env: 'VALIDATE_CONCURRENCY',
    schema: integer(1, 256),
    default: 1,
    description:
      'Full decodes of whole originals at once (upload validation, placeholder backfill), each also in a render slot: an AVIF decode holds the whole image, ~300 MiB for 16.7 MP.',
  }),
  renderQueue: setting({
    env: 'RENDER_QUEUE',
    schema: integer(0, 100_000),
    default: 128,
    description: 'Renders that may wait for a slot; past it requests get 503 with Retry-After.',
  }),
  renderTimeoutMs: setting({
    env: 'RENDER_TIMEOUT_MS',
    schema: integer(100, 600_000),
    default: 30_000,
    description:
      'How long a caller waits for a render once it has started, in milliseconds (then 503 RENDER_TIMEOUT; the render finishes and is cached).',
  }),
  maxInputPixels: setting({
    env: 'MAX_INPUT_PIXELS',
    schema: integer(1, 1_000_000_000),
    default: 16_800_000,
    description:
      'Largest original, width x height, read from the header before decoding (imgproxy: 16.8 MP).',
  }),
  maxInputFrames: setting({
    env: 'MAX_INPUT_FRAMES',
    schema: integer(1, 1_000_000),
    default: 1000,
    description:
      'Most frames (pages) an original may have, read from the header: more is refused with 422 IMAGE_TOO_LARGE (a 22 MB GIF can hold 1.5 M frames).',
  }),
  maxAnimationPixels: setting({
    env: 'MAX_ANIMATION_PIXELS',
    schema: integer(1, 10_000_000_000),
    default: 50_000_000,
    description:
      'Largest animation rendered with every frame, frames x width x height from the header (a 100-frame 480x270 GIF is 13 MP): more is refused with 422 ANIMATION_TOO_LARGE; `filters/still` renders its first frame.',
  }),
  inputFormats: setting({
    env: 'INPUT_FORMATS',
    schema: list(z.enum(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff', 'svg'])),
    default: ['jpeg', 'png', 'webp', 'gif', 'avif'] as string[],
    description:
      'Formats of originals that may be rendered (sharp names). `heif` admits the HEIF the bundled libvips decodes (AV1-coded); HEVC-coded HEIC from iPhones is refused with 415 (docs/urls.md#heif-and-heic).',
  }),
  adminToken: setting({
    env: 'ADMIN_TOKEN',
    secret: true,
    schema: z.string().trim().min(16, 'expected at least 16 characters'),
    default: '',
    description:
      'Bearer token of the admin API. Unset: one is generated, kept in DATA_DIR/admin-token (mode 0600) and printed at start.',
  }),
  requireRegistration: setting({
    env: 'REQUIRE_REGISTRATION',
    schema: boolean(),
    default: false,
    description:
      'Render only registered originals (off: files another app drops in MEDIA_ROOT render too).',
  }),
  uploadPrefix: setting({
    env: 'UPLOAD_PREFIX',
    schema: z
      .string()
      .trim()
      .refine(isMediaPathOrEmpty, 'expected a relative media path under MEDIA_ROOT, e.g. images'),
    default: 'images',
    description:
      "Directory under MEDIA_ROOT for registrations without a path (versatileimagefield's upload_to).",
  }),
  maxSourceBytes: setting({
    env: 'MAX_SOURCE_BYTES',
    schema: integer(1, 1024 * MIB),
    default: 25 * MIB,
    description: 'Largest upload or fetched original, in bytes, enforced while streaming (413).',
  }),
  maxJsonBodyBytes: setting({
    env: 'MAX_JSON_BODY_BYTES',
    schema: integer(1024, 64 * MIB),
    default: MIB,
    description:
      'Largest JSON body of an admin request, in bytes, counted while reading and refused with 413 before parsing (the nginx config gives the admin routes the same cap).',
  }),
  maxJsonDepth: setting({
    env: 'MAX_JSON_DEPTH',
    schema: integer(4, 1000),
    default: 16,
    description:
      'Deepest nesting of arrays and objects in an admin JSON body, refused with 400 before parsing (the API needs 3).',
  }),
  fetchTimeoutMs: setting({
    env: 'FETCH_TIMEOUT_MS',
    schema: integer(100, 600_000),
    default: 15_000,
    description:
      'Deadline for fetching an original by URL (connect, redirects, body), in milliseconds.',
  }),
  fetchAllowCidrs: setting({
    env: 'FETCH_ALLOW_CIDRS',
    schema: list(
      z.string().regex(/^[0-9a-fA-F:.]+\/[0-9]{1,3}$/, 'expected a CIDR such as 10.0.0.0/8'),
    ),
    default: [] as string[],
    description:
      'Private, loopback or link-local ranges URL fetching may reach anyway (default: none).',
  }),
  warmConcurrency: setting({
    env: 'WARM_CONCURRENCY',
    schema: integer(1, 64),
    default: 2,
    description: 'Images a bulk warm job renders at once.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(LOG_LEVELS),
    default: 'info' as LogLevel,
    description: `Least level of the JSON log lines on stdout: ${LOG_LEVELS.join(', ')}.`,
  }),
  accessLog: setting({
    env: 'ACCESS_LOG',
    schema: boolean(),
    default: true,
    description:
      'One JSON line per request Node answers, at level info (off: no per-request cost; nginx logs its own hits).',
  }),
  metricsRequireToken: setting({
    env: 'METRICS_REQUIRE_TOKEN',
    schema: boolean(),
    default: false,
    description:
      '`GET /metrics` needs `Authorization: Bearer <ADMIN_TOKEN>` (off: open, like /healthz).',
  }),
  shutdownTimeoutMs: setting({
    env: 'SHUTDOWN_TIMEOUT_MS',
    schema: integer(100, 600_000),
    default: 20_000,
    description:
      'On SIGTERM/SIGINT, how long in-flight requests, renders and registry writes may take to finish, in milliseconds (then they are cut and the exit status is 1).',
  }),
  cropStrategy: setting({
    env: 'CROP_STRATEGY',
    schema: z.enum(CROP_STRATEGIES),
    default: 'attention' as 'centre' | 'attention' | 'entropy',
    description:
      'Anchor of a `crop` of an image without a PPOI: `centre`, `attention` (the subject, as sharp finds it) or `entropy`. A change purges every cached crop at the next start (docs/urls.md#smart-crop).',
  }),
  fallbackImage: setting({
    env: 'FALLBACK_IMAGE',
    schema: z
      .string()
      .trim()
      .refine(
        isMediaPathOrEmpty,
        'expected a media path under MEDIA_ROOT, e.g. static/missing.png',
      ),
    default: '',
    description:
      'Media path of an original (under MEDIA_ROOT) rendered in place of a missing original, at the requested size, never cached under the missing path (docs/urls.md#fallback-image). Empty: off.',
  }),
  fallbackStatus: setting({
    env: 'FALLBACK_STATUS',
    schema: integer(200, 404).refine((v) => v === 200 || v === 404, 'expected 404 or 200'),
    default: 404,
    description:
      'Status of a fallback image answer: 404 (the placeholder as the body of a not-found) or 200.',
  }),
  signingKeys: setting({
    env: 'SIGNING_KEYS',
    secret: true,
    schema: list(z.string().min(32, 'expected keys of at least 32 characters')),
    default: [] as string[],
    description:
      'HMAC-SHA256 keys for signed URLs (`?s=`) of sizes outside the key sets and ALLOWED_SIZES, comma-separated; the first signs, all are accepted (rotation). Empty: off (docs/signed-urls.md).',
  }),
  surrogateKeyHeader: setting({
    env: 'SURROGATE_KEY_HEADER',
    schema: z
      .string()
      .trim()
      .refine(
        (value) => value === '' || HEADER_NAME.test(value),
        'expected an HTTP header name such as Surrogate-Key (Fastly) or Cache-Tag (Cloudflare)',
      ),
    default: '',
    description:
      "Response header that names the original of every original and rendition answer (Node and nginx), for a CDN's purge by key: `Surrogate-Key` (Fastly), `Cache-Tag` (Cloudflare). Empty: off (docs/cdn.md).",
  }),
  purgeWebhookUrl: setting({
    env: 'PURGE_WEBHOOK_URL',
    schema: z
      .string()
      .trim()
      .refine(
        (value) => value === '' || /^https?:\/\/[^\s]+$/.test(value),
        'expected an http(s):// URL, e.g. https://api.fastly.com/service/<id>/purge',
      ),
    default: '',
    description:
      'URL POSTed the keys of the originals a delete, replace or PPOI change purged (the node that made the change calls it). Empty: off (docs/cdn.md).',
  }),
  purgeWebhookFormat: setting({
    env: 'PURGE_WEBHOOK_FORMAT',
    schema: z.enum(PURGE_WEBHOOK_FORMATS),
    default: 'json' as PurgeWebhookFormat,
    description:
      'Body of the purge webhook: `fastly` (`{"surrogate_keys": [...]}`), `cloudflare` (`{"tags": [...]}`) or `json` (`{"keys": [...]}`).',
  }),
  purgeWebhookHeaders: setting({
    env: 'PURGE_WEBHOOK_HEADERS',
    secret: true,
    schema: webhookHeaders(),
    default: {} as Record<string, string>,
    description:
      'Request headers of the purge webhook as a JSON object, e.g. `{"Fastly-Key": "..."}` or `{"Authorization": "Bearer ..."}`. Never logged.',
  }),
  purgeWebhookDelayMs: setting({
    env: 'PURGE_WEBHOOK_DELAY_MS',
    schema: integer(0, 60_000),
    default: 1_000,
    description:
      'How long a purge waits before the webhook is called, in milliseconds: other nodes purge their copies first (else the CDN could fetch an old one again), and purges within it go in one request.',
  }),
} as const;

function isMediaPathOrEmpty(value: string): boolean {
  if (value === '') return true;
  try {
    checkMediaPath(value);
    return true;
  } catch {
    return false;
  }
}

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = { -readonly [K in SettingName]: (typeof SETTINGS)[K]['default'] };
