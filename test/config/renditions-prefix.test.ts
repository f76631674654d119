// RENDITION_STORE and S3_RENDITIONS_PREFIX: the derived default, the overlap rule that keeps
// shared renditions out of the originals' keys, and the start errors that name the setting.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import {
  defaultRenditionsPrefix,
  renditionsPrefixProblem,
} from '../../src/config/renditions-prefix.js';
import { pathOfKey } from '../../src/originals/object-keys.js';

const S3 = {
  ORIGINALS_STORE: 's3',
  S3_BUCKET: 'media',
  REGISTRY: 'postgres',
  DATABASE_URL: 'postgres://localhost/rendition',
  RENDITION_STORE: 's3',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('renditions prefix', () => {
  it('derives a prefix beside the originals that no media path spells', () => {
    expect(defaultRenditionsPrefix('')).toBe(':renditions');
    expect(defaultRenditionsPrefix('site/media')).toBe('site/media/:renditions');
    for (const originals of ['', 'site/media']) {
      const renditions = defaultRenditionsPrefix(originals);
      expect(renditionsPrefixProblem(renditions, originals)).toBeUndefined();
      const key = `${renditions}/photos/a.jpg/thumbnail/350x0.webp`;
      // The originals' rescan does not take a shared rendition for an original.
      expect(pathOfKey(originals, key)).toBeUndefined();
    }
  });

  it('refuses prefixes that would put renditions among originals', () => {
    expect(renditionsPrefixProblem('media', 'media')).toMatch(/overlap/);
    expect(renditionsPrefixProblem('media/renditions', 'media')).toMatch(/overlap/);
    expect(renditionsPrefixProblem('renditions', '')).toMatch(/overlap/);
    expect(renditionsPrefixProblem('media', 'media/originals')).toMatch(/overlap/);
    expect(renditionsPrefixProblem('', 'media')).toMatch(/bucket root/);
    expect(renditionsPrefixProblem('renditions', 'originals')).toBeUndefined();
    expect(renditionsPrefixProblem('media/:r/x', 'media')).toBeUndefined();
  });

  it('resolves the setting, defaulting to local with a derived prefix', () => {
    expect(loadConfig({}).originals.renditions).toEqual({ store: 'local', prefix: ':renditions' });
    expect(
      loadConfig({ S3_PREFIX: 'site', S3_RENDITIONS_PREFIX: '/cache/r/' }).originals.renditions,
    ).toEqual({ store: 'local', prefix: 'cache/r' });
    expect(problemsOf({ S3_RENDITIONS_PREFIX: 'a/../b' })[0]).toMatch(/^S3_RENDITIONS_PREFIX/);
  });

  it('names what RENDITION_STORE=s3 needs at start', () => {
    const needs = problemsOf({ RENDITION_STORE: 's3' });
    expect(needs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/needs ORIGINALS_STORE=s3/),
        expect.stringMatching(/needs REGISTRY=postgres/),
      ]),
    );
    expect(problemsOf({ ...S3, S3_PREFIX: 'media', S3_RENDITIONS_PREFIX: 'media/r' })).toEqual([
      expect.stringMatching(/S3_RENDITIONS_PREFIX .* overlap/),
    ]);
    expect(problemsOf(S3)).toEqual([]);
    expect(loadConfig(S3).originals.renditions).toEqual({ store: 's3', prefix: ':renditions' });
  });
});
