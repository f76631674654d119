// The bench's S3 side: rendition's settings for a bucket of the bench's radosgw, and a bucket
// made with one original in it.

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RadosgwCluster } from '../../test/helpers/radosgw-cluster.js';

/** ORIGINALS_STORE=s3 on `bucket` under `media`, with the cluster's keys. */
export function s3Env(cluster: RadosgwCluster, bucket: string): Record<string, string> {
  return {
    ORIGINALS_STORE: 's3',
    S3_ENDPOINT: cluster.endpoint,
    S3_REGION: cluster.region,
    S3_BUCKET: bucket,
    S3_PREFIX: 'media',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: cluster.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cluster.secretAccessKey,
    // Node 20: the SDK's notice about Node 22 is not the bench's business.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Creates `bucket` holding `bytes` as the original `media/<path>`. */
export async function bucketWith(
  cluster: RadosgwCluster,
  bucket: string,
  path: string,
  bytes: Buffer,
): Promise<void> {
  // The SDK's Node 22 notice (read when a client is made) would only clutter the bench log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = new S3Client({
    endpoint: cluster.endpoint,
    region: cluster.region,
    forcePathStyle: true,
    credentials: { accessKeyId: cluster.accessKeyId, secretAccessKey: cluster.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `media/${path}`, Body: bytes }));
  } finally {
    client.destroy();
  }
}
