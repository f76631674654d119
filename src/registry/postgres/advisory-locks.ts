// Cluster-wide try-locks on names, as PostgreSQL session advisory locks on one connection of
// their own: a render of one shared rendition runs on one node at a time, and a node that
// dies (or loses the connection) releases its locks with it, so no lock outlives its holder.

import pg from 'pg';

/** A lock held until `release`. */
export interface HeldLock {
  release(): Promise<void>;
}

export interface AdvisoryLocks {
  /**
   * The lock on `name` if no session holds it now; undefined if one does. When PostgreSQL
   * cannot be asked, a lock that guards nothing: the caller goes on as if it were alone.
   */
  tryLock(name: string): Promise<HeldLock | undefined>;
  close(): Promise<void>;
}

const TRY_SQL = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))';

const UNGUARDED: HeldLock = { release: async () => {} };

export function createAdvisoryLocks(
  databaseUrl: string,
  onError: (error: unknown) => void,
): AdvisoryLocks {
  // One session holds every lock of this node; a lost session is replaced on the next call.
  let session: Promise<pg.Client> | undefined;
  let closed = false;

  function connect(): Promise<pg.Client> {
    if (session !== undefined) return session;
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    const attempt = client.connect().then(() => client);
    // An old session's late error must not drop the one that replaced it.
    const drop = () => {
      if (session === attempt) session = undefined;
      client.end().catch(() => undefined);
    };
    client.on('error', (error) => {
      onError(error);
      drop();
    });
    attempt.catch(drop);
    session = attempt;
    return attempt;
  }

  return {
    async tryLock(name) {
      if (closed) return UNGUARDED;
      let client: pg.Client;
      try {
        client = await connect();
        const { rows } = await client.query<{ locked: boolean }>(TRY_SQL, [name]);
        if (rows[0]?.locked !== true) return undefined;
      } catch (error) {
        onError(error);
        return UNGUARDED;
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          // A session that ended took the lock with it.
          await client.query(UNLOCK_SQL, [name]).catch(() => undefined);
        },
      };
    },
    async close() {
      closed = true;
      const current = session;
      session = undefined;
      if (current !== undefined)
        await (await current.catch(() => undefined))?.end().catch(() => undefined);
    },
  };
}
