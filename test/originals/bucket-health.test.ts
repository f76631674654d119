// The S3 store's health probe against a real radosgw gateway: 'ok' while the bucket answers,
// the reason once the gateway is down, and one HEAD bucket per 2 s whatever the call rate.

import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucketHealth } from '../../src/originals/bucket-health.js';
import { joinRadosgw, s3ClientOf, skipWithoutRadosgw } from '../helpers/radosgw.js';
import { type Gateway, type RadosgwCluster, startGateway } from '../helpers/radosgw-cluster.js';

const skip = skipWithoutRadosgw();

describe.skipIf(skip)('bucket health', () => {
  let cluster: RadosgwCluster;
  let shared: S3Client;
  let bucket: string;
  let gateway: Gateway;
  let client: S3Client;
  let sends = 0;
  beforeAll(async () => {
    ({ cluster, client: shared, bucket } = await joinRadosgw('bucket-health'));
    gateway = await startGateway(cluster);
    client = s3ClientOf(cluster, gateway.endpoint);
    // Counts the requests that reach the gateway (the client itself is the real SDK's).
    const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { send: typeof send }).send = (...args) => {
      sends += 1;
      return send(...args);
    };
  });
  afterAll(async () => {
    client?.destroy();
    shared?.destroy();
    await gateway?.stop();
  });

  it('asks the bucket once per 2 s, answers ok, then names the bucket once it is down', async () => {
    let clock = 0;
    const health = createBucketHealth({
      client,
      bucket,
      timeoutMs: 10_000,
      describe: (error) => String((error as NodeJS.ErrnoException).code ?? error),
      now: () => clock,
    });
    const answers = await Promise.all(Array.from({ length: 50 }, () => health()));
    expect(new Set(answers)).toEqual(new Set(['ok']));
    expect(sends).toBe(1);
    await gateway.stop();
    clock = 1_999;
    expect(await health()).toBe('ok');
    expect(sends).toBe(1);
    clock = 2_000;
    expect(await health()).toMatch(new RegExp(`^bucket ${bucket}: ECONNREFUSED`));
    expect(sends).toBe(2);
    await gateway.start();
    clock = 4_000;
    expect(await health()).toBe('ok');
  });

  it('names a missing bucket', async () => {
    const health = createBucketHealth({
      client: shared,
      bucket: `${bucket}-missing`,
      timeoutMs: 10_000,
      describe: (error) =>
        String((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode),
    });
    expect(await health()).toBe(`bucket ${bucket}-missing: 404`);
  });
});
