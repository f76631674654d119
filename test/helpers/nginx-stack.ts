// A rendition server with a real nginx in front (the shipped template), started and stopped
// together: what every nginx test file begins with.

import { type RunningNginx, type StartNginxOptions, startNginx } from './nginx.js';
import { startTestServer, type TestServer } from './server.js';

export interface NginxStack {
  server: TestServer;
  nginx: RunningNginx;
}

/** Starts a test server with `env`, then nginx in front of it; nothing is left running on failure. */
export async function startNginxStack(
  env: Record<string, string> = {},
  generator: StartNginxOptions['generator'] = {},
): Promise<NginxStack> {
  const server = await startTestServer(env);
  try {
    const nginx = await startNginx({
      config: server.config,
      dir: server.dir,
      nodePort: server.port,
      generator,
    });
    return { server, nginx };
  } catch (error) {
    await server.dispose();
    throw error;
  }
}

/** Stops nginx, then always disposes of the server and its roots. */
export async function disposeNginxStack(stack: NginxStack | undefined): Promise<void> {
  if (stack === undefined) return;
  try {
    await stack.nginx.stop();
  } finally {
    await stack.server.dispose();
  }
}
