// The one way rendition builds an S3 client from the S3_* settings (originals and shared
// renditions use the same endpoint, region and credentials).

import { S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  /** S3_ENDPOINT; empty for AWS. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** S3_PREFIX as the setting checked it: '' or media path segments, no slash at either end. */
  readonly prefix: string;
  readonly forcePathStyle: boolean;
}

/** Credentials come from the AWS SDK's default chain (env, AWS_PROFILE, instance roles). */
export function s3ClientFor(location: S3Location): S3Client {
  return new S3Client({
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint === '' ? {} : { endpoint: location.endpoint }),
    // A down gateway answers 503 ORIGINALS_UNAVAILABLE at once, not after backoffs.
    maxAttempts: 2,
    // The SDK's default CRC32 of every body, in JavaScript, cost 1.7 ms per 30 KB GET and
    // 3 ms per 3 MB one (radosgw, docs/performance.md B13); TCP and TLS already guard the
    // bytes, and S3-compatible stores that predate these headers accept requests without them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** `AWS S3`, or the endpoint: where a message says the bucket is. */
export function whereOf(location: S3Location): string {
  return location.endpoint === '' ? 'AWS S3' : location.endpoint;
}
