// Opens the registry REGISTRY names: lowdb in DATA_DIR (one node) or PostgreSQL (many).

import type { RegistryConfig } from '../config/load-config.js';
import { openRegistry } from './lowdb-registry.js';
import type { JobTable } from './job-table.js';
import { createPostgresJobTable } from './postgres/job-table.js';
import { openPostgresRegistry } from './postgres/postgres-registry.js';
import { type NodeSync, type Registry, SINGLE_NODE } from './registry.js';

export interface OpenedRegistry {
  readonly registry: Registry;
  /** How this node stays in step with the others (a no-op on lowdb). */
  readonly sync: NodeSync;
  /** Where warm jobs are shared between nodes; absent on lowdb (jobs live in memory). */
  readonly jobs?: JobTable;
}

export async function openConfiguredRegistry(
  config: RegistryConfig,
  dataDir: string,
  onError: (error: unknown) => void,
): Promise<OpenedRegistry> {
  if (config.kind === 'lowdb')
    return { registry: await openRegistry({ dataDir }), sync: SINGLE_NODE };
  const registry = await openPostgresRegistry({
    databaseUrl: config.databaseUrl,
    poolSize: config.poolSize,
    dataDir,
    heartbeatMs: config.heartbeatMs,
    maxStalenessMs: config.maxStalenessMs,
    onError,
  });
  return {
    registry,
    sync: registry.sync,
    jobs: createPostgresJobTable(registry.pool, registry.nodeId),
  };
}
