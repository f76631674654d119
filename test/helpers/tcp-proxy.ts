// A loopback TCP proxy a test can cut and restore: one node's link to PostgreSQL going away
// (its connections reset, new ones refused) while the server and the other nodes stay up.

import { createServer, type Server, type Socket, connect } from 'node:net';
import { freePort } from './net.js';

export interface TcpProxy {
  readonly port: number;
  /** Resets every connection through it and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  function listen(): Promise<void> {
    const next = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    server = next;
    return new Promise((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
  }

  async function cut(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  return {
    port,
    cut,
    async restore() {
      if (server === undefined) await listen();
    },
    close: cut,
  };
}
