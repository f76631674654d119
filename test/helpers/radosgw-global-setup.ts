// vitest globalSetup: a place for the run's one Ceph cluster, started lazily. Nothing starts
// here: the first test file that calls `runRadosgw()` (test/helpers/radosgw.ts) starts the
// cluster for every worker, so a run without S3 suites pays nothing. Teardown stops it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { destroyRadosgwCluster, type RadosgwCluster } from './radosgw-cluster.js';

/** The file the starting worker writes the running cluster's state to. */
export const CLUSTER_FILE = 'cluster.json';

let runDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  runDir = await mkdtemp(join(tmpdir(), 'rendition-ceph-run-'));
  project.provide('radosgwRunDir', runDir);
}

export async function teardown(): Promise<void> {
  if (runDir === undefined) return;
  const state = await readFile(join(runDir, CLUSTER_FILE), 'utf8').catch(() => undefined);
  if (state !== undefined) await destroyRadosgwCluster(JSON.parse(state) as RadosgwCluster);
  await rm(runDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's Ceph cluster is started once and described (see test/helpers/radosgw.ts). */
    radosgwRunDir: string;
  }
}
