// The generated nginx config with ORIGINALS_STORE=s3, in front of a server whose originals are
// in a real Ceph radosgw: originals go to Node (never a MEDIA_ROOT file), cached renditions
// are still files nginx serves from CACHE_ROOT with try_files.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseListenAddress } from '../../src/nginx/listen-address.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import { solidJpeg } from '../helpers/admin-upload.js';
import { BLUE, colourAt, near, RED } from '../helpers/images.js';
import { NGINX_TEMPLATE_URL, skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import { joinRadosgw, s3Settings, skipWithoutRadosgw } from '../helpers/radosgw.js';

describe('the generated config with ORIGINALS_STORE=s3', () => {
  it('sends originals to Node and still maps renditions to CACHE_ROOT', async () => {
    const env = { MEDIA_ROOT: '/srv/media', CACHE_ROOT: '/srv/cache' };
    const template = await readFile(NGINX_TEMPLATE_URL, 'utf8');
    const listen = parseListenAddress('8080');
    const local = renderNginxConfig(template, loadConfig(env), { listen });
    const s3 = renderNginxConfig(
      template,
      loadConfig({ ...env, ORIGINALS_STORE: 's3', S3_BUCKET: 'media' }),
      { listen },
    );
    expect(local).toContain('root "/srv/media";');
    expect(s3).not.toContain('root "/srv/media";');
    expect(s3).toContain('# ORIGINALS_STORE=s3: Node streams the original');
    expect(s3).toContain('root "/srv/cache";');
  });
});

const skip = skipWithoutNginx() || skipWithoutRadosgw();

describe.skipIf(skip)('nginx in front, ORIGINALS_STORE=s3', () => {
  let stack: NginxStack;
  let client: S3Client;
  let bucket: string;
  const prefix = `nginx-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    const joined = await joinRadosgw('nginx-s3');
    ({ client, bucket } = joined);
    const { cluster } = joined;
    stack = await startNginxStack(s3Settings(cluster, bucket, prefix));
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
    client?.destroy();
  });

  it('sends originals to Node, and serves a cached rendition as a file', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/photo.jpg`,
        Body: await solidJpeg(400, 300, RED),
      }),
    );
    // A file of the same name in MEDIA_ROOT is not what answers: the bucket is.
    const local = join(stack.server.config.roots.mediaRoot, 'photo.jpg');
    await mkdir(stack.server.config.roots.mediaRoot, { recursive: true });
    await writeFile(local, await solidJpeg(400, 300, BLUE));
    const original = await fetch(`${stack.nginx.url}/media/photo.jpg`);
    expect(original.status).toBe(200);
    expect(near(await colourAt(Buffer.from(await original.arrayBuffer()), 0.5, 0.5), RED)).toBe(
      true,
    );

    const url = `${stack.nginx.url}/media/photo.jpg/thumbnail/180x180.jpg`;
    const miss = await fetch(url);
    expect(miss.headers.get('x-rendition-cache')).toBe('miss');
    const hit = await fetch(url);
    expect(hit.status).toBe(200);
    // nginx's own answer from CACHE_ROOT carries no X-Rendition-Cache of Node's.
    expect(hit.headers.get('x-rendition-cache')).toBeNull();
    expect(near(await colourAt(Buffer.from(await hit.arrayBuffer()), 0.5, 0.5), RED)).toBe(true);
  });
});
