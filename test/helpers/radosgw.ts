// The run's one Ceph radosgw, shared by every worker, and a bucket of its own per suite.
// The first caller starts the cluster (~20 s) under a lock in the run's dir (a mkdir: atomic
// across processes); the others wait for its state file. The globalSetup stops it at the end.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { CLUSTER_FILE } from './radosgw-global-setup.js';
import { type RadosgwCluster, radosgwMissing, startRadosgwCluster } from './radosgw-cluster.js';
import { skipWithout } from './requirement.js';

const WAIT_MS = 150_000;
const FAILED_FILE = 'failed.txt';

/** For `describe.skipIf(skipWithoutRadosgw())`: the rule of test/helpers/requirement.ts. */
export function skipWithoutRadosgw(): boolean {
  return skipWithout(radosgwMissing());
}

let shared: Promise<RadosgwCluster> | undefined;

/** The run's cluster, started by whichever worker asks first. */
export function runRadosgw(): Promise<RadosgwCluster> {
  shared ??= startOrJoin(inject('radosgwRunDir'));
  return shared;
}

async function startOrJoin(runDir: string): Promise<RadosgwCluster> {
  const stateFile = join(runDir, CLUSTER_FILE);
  let starter = true;
  try {
    await mkdir(join(runDir, 'starting'));
  } catch {
    starter = false;
  }
  if (starter) {
    try {
      const cluster = await startRadosgwCluster();
      await writeFile(`${stateFile}.tmp`, JSON.stringify(cluster));
      await rename(`${stateFile}.tmp`, stateFile);
      return cluster;
    } catch (error) {
      await writeFile(join(runDir, FAILED_FILE), String((error as Error).message));
      throw error;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const state = await readFile(stateFile, 'utf8').catch(() => undefined);
    if (state !== undefined) return JSON.parse(state) as RadosgwCluster;
    const failed = await readFile(join(runDir, FAILED_FILE), 'utf8').catch(() => undefined);
    if (failed !== undefined) throw new Error(`the run's Ceph cluster failed to start: ${failed}`);
    await sleep(250);
  }
  throw new Error(`the run's Ceph cluster was not up within ${WAIT_MS / 1000} s`);
}

/** An S3 client of the cluster's test user. */
export function s3ClientOf(cluster: RadosgwCluster, endpoint = cluster.endpoint): S3Client {
  return new S3Client({
    endpoint,
    region: cluster.region,
    forcePathStyle: true,
    credentials: { accessKeyId: cluster.accessKeyId, secretAccessKey: cluster.secretAccessKey },
    // A gateway a test stopped must fail fast, not after the SDK's three attempts.
    maxAttempts: 1,
  });
}

/** A fresh, empty bucket named after `label` (3-63 characters, lower case). */
export async function suiteBucket(cluster: RadosgwCluster, label: string): Promise<string> {
  const stem = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40);
  const bucket = `${stem}-${randomBytes(4).toString('hex')}`.replace(/^-+/, '');
  const client = s3ClientOf(cluster);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

/** What an S3 suite works with: the run's cluster, a client of its user, a bucket of its own. */
export interface S3Suite {
  readonly cluster: RadosgwCluster;
  readonly client: S3Client;
  readonly bucket: string;
}

/**
 * Joins the run's cluster (starting it if no suite has) with a fresh bucket named after
 * `label`, and exports the test user's keys as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY:
 * rendition reads them from the SDK's default chain, as in production.
 */
export async function joinRadosgw(label: string): Promise<S3Suite> {
  const cluster = await runRadosgw();
  process.env.AWS_ACCESS_KEY_ID = cluster.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = cluster.secretAccessKey;
  return { cluster, client: s3ClientOf(cluster), bucket: await suiteBucket(cluster, label) };
}

/** The settings of ORIGINALS_STORE=s3 on `bucket` under `prefix`, through `endpoint`. */
export function s3Settings(
  cluster: RadosgwCluster,
  bucket: string,
  prefix: string,
  endpoint = cluster.endpoint,
): Record<string, string> {
  return {
    ORIGINALS_STORE: 's3',
    S3_ENDPOINT: endpoint,
    S3_REGION: cluster.region,
    S3_BUCKET: bucket,
    S3_PREFIX: prefix,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** Every key of `bucket` that starts with `prefix`, sorted (all pages). */
export async function keysUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const object of page.Contents ?? []) found.push(object.Key ?? '');
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return found.sort();
}

/** The bytes of the object `key`. */
export async function objectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await answer.Body?.transformToByteArray()) ?? new Uint8Array());
}
