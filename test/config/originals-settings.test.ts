// The ORIGINALS_STORE and S3_* settings: defaults, the prefix as a root, refusals that name
// the setting.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

describe('originals settings', () => {
  it('defaults to MEDIA_ROOT, and groups the S3 settings', () => {
    expect(loadConfig({}).originals).toMatchObject({
      store: 'local',
      cacheBytes: 1024 * 1024 * 1024,
      rescanSeconds: 60,
      redirectSeconds: 0,
    });
    const s3 = loadConfig({
      ORIGINALS_STORE: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      S3_BUCKET: 'media',
      S3_PREFIX: '/site/originals/',
      S3_FORCE_PATH_STYLE: 'yes',
    }).originals;
    expect(s3.s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      bucket: 'media',
      prefix: 'site/originals',
      forcePathStyle: true,
    });
  });

  it.each([
    [{ ORIGINALS_STORE: 's3' }, /S3_BUCKET: expected a bucket name, since ORIGINALS_STORE=s3/],
    [{ ORIGINALS_STORE: 'gcs' }, /ORIGINALS_STORE \(environment\).*received "gcs"/],
    [
      { S3_PREFIX: 'a/../b' },
      /S3_PREFIX \(environment\): expected key segments .*received "a\/..\/b"/,
    ],
    [{ S3_PREFIX: 'a//b' }, /S3_PREFIX/],
    [{ S3_PREFIX: 'a\\b' }, /S3_PREFIX/],
    [
      { S3_ENDPOINT: 'http://x/path' },
      /S3_ENDPOINT \(environment\): expected an http\(s\):\/\/ URL/,
    ],
    [{ S3_BUCKET: 'A_B' }, /S3_BUCKET \(environment\): expected an S3 bucket name/],
    [{ ORIGINALS_REDIRECT_SECONDS: '-1' }, /ORIGINALS_REDIRECT_SECONDS/],
  ])('refuses %j, naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
