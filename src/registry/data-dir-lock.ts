// One process owns DATA_DIR: it listens on a unix socket named after the directory, which the
// kernel takes away the moment the process dies.

import { rm, stat } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';

const lockedHere = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * The lock's socket. Linux: an abstract socket (no file) named after DATA_DIR's device and
 * inode, so every path to the same directory (a symlink, a bind mount) finds one lock. Why a
 * socket: Node has no flock(2), and a pid file goes stale: after a reboot or in a container
 * its pid belongs to another process (often pid 1), and start-up refused. Only a live
 * process can listen; binding is atomic (of two starters exactly one wins); nothing is left
 * to clean after a SIGKILL. Its reach is one network namespace: two containers with their
 * own network that share one DATA_DIR volume are not kept apart (run one writer per
 * DATA_DIR, or REGISTRY=postgres). Elsewhere: a socket file `DATA_DIR/db.lock`.
 */
async function socketFor(dataDir: string): Promise<string> {
  if (process.platform !== 'linux') return join(dataDir, 'db.lock');
  const { dev, ino } = await stat(dataDir);
  return `\0rendition-data-dir-${dev}-${ino}`;
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function someoneListens(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Takes DATA_DIR's lock; throws if another live process (or this one) holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const address = await socketFor(dataDir);
  if (lockedHere.has(address))
    throw new Error(`DATA_DIR ${dataDir} is already open in this process`);
  // Whoever connects is told nothing: the listening itself is the lock.
  const server = createServer((socket) => socket.destroy());
  try {
    await listen(server, address);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    // A socket file nobody listens on is a dead holder's: remove it and try once more.
    if (address.startsWith('\0') || (await someoneListens(address))) {
      throw new Error(`DATA_DIR ${dataDir} is in use by another rendition process`);
    }
    await rm(address, { force: true });
    await listen(server, address);
  }
  // The lock never keeps the process alive by itself.
  server.unref();
  lockedHere.add(address);
  return {
    release() {
      lockedHere.delete(address);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
