// The generator's pure parts: `--listen` and `--allow` parsing, and what the config says for
// the route groups it is asked to forward (real nginx runs it in the other files here).

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ERROR_STATUS } from '../../src/errors.js';
import {
  checkAllowEntry,
  formatListenAddress,
  parseListenAddress,
} from '../../src/nginx/listen-address.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import { NGINX_TEMPLATE_URL } from '../helpers/nginx.js';

describe('parseListenAddress', () => {
  it.each([
    ['8080', '127.0.0.1:8080'],
    ['41102', '127.0.0.1:41102'],
    ['0.0.0.0:80', '0.0.0.0:80'],
    ['10.1.2.3:8080', '10.1.2.3:8080'],
    ['[::1]:8080', '[::1]:8080'],
    ['[::]:80', '[::]:80'],
  ])('%s listens on %s', (value, listen) => {
    expect(formatListenAddress(parseListenAddress(value))).toBe(listen);
  });

  it.each(['', 'localhost:80', '80:', ':80', '0', '65536', '1.2.3:80', '::1:80', '[::1]', 'x'])(
    'refuses %j, saying what it expected',
    (value) => {
      expect(() => parseListenAddress(value)).toThrow(
        `Expected a port or host:port (e.g. 8080, 0.0.0.0:80, [::1]:8080) but received ${JSON.stringify(value)}`,
      );
    },
  );
});

describe('checkAllowEntry', () => {
  it.each(['all', '127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8'])('accepts %s', (entry) => {
    expect(checkAllowEntry(entry)).toBe(entry);
  });
  it.each(['10.0.0.0/33', 'example.com', '1.2.3', 'deny all'])('refuses %j', (entry) => {
    expect(() => checkAllowEntry(entry)).toThrow(/Expected an address, a CIDR/);
  });
});

describe('renderNginxConfig', () => {
  const config = loadConfig({ MEDIA_ROOT: '/srv/media', CACHE_ROOT: '/srv/cache' });
  const render = async (options: Parameters<typeof renderNginxConfig>[2]) =>
    renderNginxConfig(await readFile(NGINX_TEMPLATE_URL, 'utf8'), config, options);
  const listen = parseListenAddress('8080');

  it('forwards nothing but MEDIA_URL by default', async () => {
    const text = await render({ listen });
    expect(text).not.toMatch(/location [=^~ ]*\/(admin|healthz|metrics)/);
    expect(text).toContain('Routes forwarded besides MEDIA_URL: none');
    // One body cap for the whole server, 1 MiB (the upload cap appears only with admin).
    expect(text.match(/client_max_body_size/g)).toHaveLength(1);
    expect(text).toContain('client_max_body_size 1m;');
    expect(text).toContain('server_tokens off;');
  });

  it('writes one location per forwarded route, each behind the allow-list', async () => {
    const text = await render({ listen, expose: ['admin', 'ops'], allow: ['10.0.0.0/8'] });
    for (const match of ['= /admin/images', '^~ /admin/', '= /healthz', '= /metrics']) {
      const block = new RegExp(
        `location ${match.replace(/[\^/]/g, '\\$&')} \\{\\n\\s+allow 10\\.0\\.0\\.0/8;\\n\\s+deny all;`,
      );
      expect(text, match).toMatch(block);
    }
    expect(text).toContain(`client_max_body_size ${25 * 1024 * 1024 + 64 * 1024};`);
    // Every other admin route takes JSON: MAX_JSON_BODY_BYTES, 1 MiB by default.
    expect(text).toMatch(/location \^~ \/admin\/ \{[^}]*client_max_body_size 1048576;/);
  });

  it('answers its own errors with codes of the error table, at their statuses', async () => {
    const text = await render({ listen });
    const returns = [...text.matchAll(/return (\d{3}) '(\{.*\})';/g)];
    expect(returns.length).toBeGreaterThan(5);
    for (const [, status, body] of returns) {
      const { error } = JSON.parse(body ?? '') as { error: { code: keyof typeof ERROR_STATUS } };
      expect(ERROR_STATUS[error.code], error.code).toBe(Number(status));
    }
  });
});
