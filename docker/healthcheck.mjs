// The image's HEALTHCHECK: GET /healthz on the server in this container (HOST and PORT as it
// listens; a wildcard HOST is reached on loopback). Exit 0 when it answers 2xx, else 1.

const host = ['', '0.0.0.0', '::'].includes(process.env.HOST ?? '') ? '127.0.0.1' : process.env.HOST;
const port = process.env.PORT || '3000';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
