// The radosgw harness itself: the run's cluster answers S3 with conditional writes, and a
// gateway of a test's own stops and starts without touching the shared one.

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RadosgwCluster, startGateway } from '../helpers/radosgw-cluster.js';
import { runRadosgw, s3ClientOf, skipWithoutRadosgw, suiteBucket } from '../helpers/radosgw.js';

describe.skipIf(skipWithoutRadosgw())('radosgw harness', () => {
  let cluster: RadosgwCluster;
  let client: S3Client;
  let bucket: string;
  beforeAll(async () => {
    cluster = await runRadosgw();
    client = s3ClientOf(cluster);
    bucket = await suiteBucket(cluster, 'harness');
  });
  afterAll(() => client?.destroy());

  it('creates an object once with If-None-Match: *', async () => {
    const put = (body: string) =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: body, IfNoneMatch: '*' }),
      );
    await put('first');
    await expect(put('second')).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'once' }));
    expect(await got.Body?.transformToString()).toBe('first');
  });

  it('stops and restarts a gateway of its own while the shared one serves', async () => {
    const gateway = await startGateway(cluster);
    const own = s3ClientOf(cluster, gateway.endpoint);
    try {
      await own.send(new PutObjectCommand({ Bucket: bucket, Key: 'own', Body: 'own' }));
      await gateway.stop();
      await expect(own.send(new GetObjectCommand({ Bucket: bucket, Key: 'own' }))).rejects.toThrow(
        /ECONNREFUSED/,
      );
      const shared = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'own' }));
      expect(await shared.Body?.transformToString()).toBe('own');
      await gateway.start();
      const again = await own.send(new GetObjectCommand({ Bucket: bucket, Key: 'own' }));
      expect(await again.Body?.transformToString()).toBe('own');
    } finally {
      own.destroy();
      await gateway.stop();
    }
  });
});
