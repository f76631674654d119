// vitest globalSetup: one throwaway PostgreSQL cluster for the whole run (when installed);
// suites get a database of their own from `suiteDatabase` (test/helpers/postgres.ts).

import type { TestProject } from 'vitest/node';
import {
  type PostgresCluster,
  postgresAvailable,
  startPostgresCluster,
} from './postgres-cluster.js';

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Without PostgreSQL the suites that need it skip (or fail under CI: skipWithoutPostgres).
  if (!postgresAvailable()) {
    project.provide('postgresPort', 0);
    return;
  }
  cluster = await startPostgresCluster();
  project.provide('postgresPort', cluster.port);
}

export async function teardown(): Promise<void> {
  await cluster?.destroy();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL cluster on 127.0.0.1, or 0 when none could be started. */
    postgresPort: number;
  }
}
