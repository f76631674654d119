// fetchSource against real local HTTP servers: address policy, redirects, byte cap, deadline, cleanup.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction, TcpNetConnectOpts } from 'node:net';
import { isIP, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../src/errors.js';
import {
  type FetchSourceOptions,
  fetchSource,
  isAddressAllowed,
  type ResolvedAddress,
} from '../../src/fetch/fetch-source.js';

const BODY = Buffer.from(Array.from({ length: 1000 }, (_, index) => (index * 7) % 256));
const LOCAL = ['127.0.0.1/32'] as const;

/** Test hostnames and their fixed answers; anything else throws, so nothing reaches real DNS. */
const DNS_TABLE: Readonly<Record<string, readonly string[]>> = {
  'public.test': ['127.0.0.1'],
  'private.test': ['10.0.0.7'],
  'metadata.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'mixed.test': ['127.0.0.1', '10.0.0.7'],
  'empty.test': [],
};

function resolverOf(answers: (hostname: string, call: number) => readonly string[] | undefined) {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    const addresses = answers(hostname, calls.length);
    if (addresses === undefined) {
      throw Object.assign(new Error(`unexpected lookup of ${hostname}`), { code: 'ENOTFOUND' });
    }
    return addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  };
  return { calls, lookup };
}

// Belt and braces: even a bug in fetchSource cannot open a socket outside 127.0.0.0/8 or use
// real DNS. Every client connect (node:http goes through Socket#connect) is checked and counted.
const realConnect = Socket.prototype.connect;
const guard = { connects: 0 };

function isLocal(address: string): boolean {
  return isIP(address) === 4 && address.startsWith('127.');
}

function guardedLookup(inner: LookupFunction): LookupFunction {
  return (hostname, options, callback) =>
    inner(hostname, options, (error, address, family) => {
      const addresses = typeof address === 'string' ? [address] : address.map((a) => a.address);
      const outside = addresses.find((candidate) => !isLocal(candidate));
      if (error === null && outside !== undefined)
        callback(new Error(`test guard: refused to connect to ${outside}`), '', 4);
      else callback(error, address, family);
    });
}

function guardedConnect(this: Socket, ...args: unknown[]): Socket {
  const first: unknown = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first !== 'object' || first === null)
    throw new Error('test guard: unexpected connect');
  const options = first as TcpNetConnectOpts;
  const host = options.host ?? 'localhost';
  if (isIP(host) !== 0) {
    if (!isLocal(host)) throw new Error(`test guard: refused to connect to ${host}`);
  } else if (options.lookup !== undefined) options.lookup = guardedLookup(options.lookup);
  else throw new Error(`test guard: ${host} would be resolved by the system`);
  guard.connects += 1;
  return Reflect.apply(realConnect, this, args) as Socket;
}

let server: Server;
let origin = '';
let port = 0;
let workDir = '';
let fileCount = 0;
const seen: { path: string; host: string | undefined }[] = [];

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  const hop = /^\/hop\/(\d+)$/.exec(path);
  if (hop?.[1] !== undefined) {
    const left = Number(hop[1]);
    if (left === 0) res.end('done');
    else res.writeHead(302, { location: `/hop/${left - 1}` }).end();
    return;
  }
  switch (path) {
    case '/images/cat%20photo.jpg':
    case '/dir/':
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': BODY.length });
      res.end(BODY);
      return;
    case '/disposition/quoted':
      res.writeHead(200, { 'content-disposition': 'attachment; filename="a b.png"' }).end('x');
      return;
    case '/disposition/extended':
      res.writeHead(200, {
        'content-disposition': `attachment; filename="fallback.png"; filename*=UTF-8''caf%C3%A9.png`,
      });
      res.end('x');
      return;
    case '/disposition/traversal':
      res.writeHead(200, { 'content-disposition': 'inline; filename="../../etc/passwd"' }).end('x');
      return;
    case '/redirect/relative':
      res.writeHead(301, { location: '/images/cat%20photo.jpg' }).end();
      return;
    case '/redirect/metadata':
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    case '/redirect/private-host':
      res.writeHead(307, { location: `http://private.test:${port}/images/cat%20photo.jpg` }).end();
      return;
    case '/redirect/ipv6-loopback':
      res.writeHead(308, { location: `http://[::1]:${port}/` }).end();
      return;
    case '/redirect/file':
      res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      return;
    case '/redirect/credentials':
      res.writeHead(302, { location: `http://user:secret@127.0.0.1:${port}/dir/` }).end();
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' }).end();
      return;
    case '/exact':
      res.end(BODY.subarray(0, 100));
      return;
    case '/declared-large':
      res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
      return;
    case '/chunked-large':
      // No Content-Length: node:http sends it chunked, so only counting can catch it.
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write(BODY.subarray(0, 50));
      res.end();
      return;
    case '/slow': {
      res.writeHead(200).write('x');
      const timer = setInterval(() => res.write('x'), 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case '/endless': {
      res.writeHead(200);
      const chunk = Buffer.alloc(16_384, 1);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    case '/silent':
      return; // never answers: only the deadline ends this one
    default:
      res.writeHead(404).end('not here');
  }
}

beforeAll(async () => {
  Socket.prototype.connect = guardedConnect as typeof realConnect;
  workDir = await mkdtemp(join(tmpdir(), 'fetch-source-'));
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host });
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  Socket.prototype.connect = realConnect;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  guard.connects = 0;
});

function optionsWith(overrides: Partial<FetchSourceOptions> = {}): FetchSourceOptions {
  return {
    maxBytes: 1_000_000,
    timeoutMs: 2_000,
    lookup: resolverOf((hostname) => DNS_TABLE[hostname]).lookup,
    ...overrides,
  };
}

function nextDestination(): string {
  fileCount += 1;
  return join(workDir, `original-${fileCount}`);
}

/** Fetches expecting `code`; the destination exists beforehand and must be gone afterwards. */
async function expectFailure(
  url: string,
  code: ErrorCode,
  overrides: Partial<FetchSourceOptions> = {},
): Promise<AppError> {
  const destination = nextDestination();
  await writeFile(destination, 'stale');
  const error = await fetchSource(url, destination, optionsWith(overrides)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code, (error as Error).message).toBe(code);
  expect(existsSync(destination)).toBe(false);
  return error as AppError;
}

describe('isAddressAllowed', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, anywhere in 127/8'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation (reserved)'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with a zone'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'AWS metadata over IPv6 (unique local)'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex spelling'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:0:7f00:1', 'IPv4-translated (RFC 6145) loopback'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::808:808', 'local-use NAT64 prefix'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:a00:1::1', '6to4 of private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo whose client is 127.0.0.1'],
    ['::7f00:1', 'IPv4-compatible (deprecated) loopback'],
    ['::808:808', 'IPv4-compatible (deprecated) public'],
    ['2130706433', 'not an address spelling a resolver returns'],
    ['127.1', 'short spelling'],
    ['localhost', 'a name'],
    ['', 'empty'],
  ])('refuses %s (%s)', (address) => {
    expect(isAddressAllowed(address, [])).toBe(false);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
  ])('allows public %s', (address) => {
    expect(isAddressAllowed(address, [])).toBe(true);
  });

  it.each([
    ['127.0.0.1', ['127.0.0.1/32'], true],
    ['127.0.0.2', ['127.0.0.1/32'], false],
    ['10.5.5.5', ['10.0.0.0/8'], true],
    ['169.254.169.254', ['10.0.0.0/8'], false],
    ['::1', ['::1/128'], true],
    ['::1', ['127.0.0.1/32'], false],
    ['127.0.0.1', ['::1/128'], false],
    ['::ffff:127.0.0.1', ['127.0.0.1/32'], true],
    ['fd00::5', ['fd00::/8'], true],
  ] as const)('judges %s with allowCidrs %j as %s', (address, cidrs, allowed) => {
    expect(isAddressAllowed(address, cidrs)).toBe(allowed);
  });

  it('rejects a malformed CIDR', () => {
    expect(() => isAddressAllowed('8.8.8.8', ['10.0.0.0'])).toThrow(/Expected a CIDR/);
    expect(() => isAddressAllowed('8.8.8.8', ['10.0.0.0/33'])).toThrow(TypeError);
  });
});

describe('fetchSource: success', () => {
  it('streams the body to the destination with its size, hash and file name', async () => {
    const destination = nextDestination();
    const url = `${origin}/images/cat%20photo.jpg`;
    const fetched = await fetchSource(url, destination, optionsWith({ allowCidrs: LOCAL }));
    expect(fetched).toEqual({
      bytes: BODY.length,
      sha256: createHash('sha256').update(BODY).digest('hex'),
      finalUrl: url,
      fileName: 'cat photo.jpg',
    });
    expect(await readFile(destination)).toEqual(BODY);
  });

  it('overwrites an existing destination', async () => {
    const destination = nextDestination();
    await writeFile(destination, Buffer.alloc(5000, 9));
    await fetchSource(`${origin}/dir/`, destination, optionsWith({ allowCidrs: LOCAL }));
    expect(await readFile(destination)).toEqual(BODY);
  });

  it('has no file name when the path ends in a slash', async () => {
    const fetched = await fetchSource(
      `${origin}/dir/`,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL }),
    );
    expect(fetched.fileName).toBeUndefined();
  });

  it.each([
    ['/disposition/quoted', 'a b.png'],
    ['/disposition/extended', 'café.png'],
    ['/disposition/traversal', 'passwd'],
  ])('takes the file name of %s from Content-Disposition', async (path, fileName) => {
    const fetched = await fetchSource(
      `${origin}${path}`,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL }),
    );
    expect(fetched.fileName).toBe(fileName);
  });

  it('accepts a body of exactly maxBytes', async () => {
    const fetched = await fetchSource(
      `${origin}/exact`,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL, maxBytes: 100 }),
    );
    expect(fetched.bytes).toBe(100);
  });

  it('connects to the checked address, keeping the hostname in Host (no second lookup)', async () => {
    // A rebinding resolver: allowed the first time, private every time after.
    const resolver = resolverOf((hostname, call) =>
      hostname === 'rebind.test' ? (call === 1 ? ['127.0.0.1'] : ['10.0.0.7']) : undefined,
    );
    const url = `http://rebind.test:${port}/images/cat%20photo.jpg`;
    const fetched = await fetchSource(
      url,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL, lookup: resolver.lookup }),
    );
    expect(fetched.finalUrl).toBe(url);
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(guard.connects).toBe(1);
    expect(seen).toEqual([{ path: '/images/cat%20photo.jpg', host: `rebind.test:${port}` }]);
  });

  it('follows a relative redirect and reports the final URL', async () => {
    const fetched = await fetchSource(
      `${origin}/redirect/relative`,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL }),
    );
    expect(fetched.finalUrl).toBe(`${origin}/images/cat%20photo.jpg`);
    expect(fetched.bytes).toBe(BODY.length);
  });

  it('follows exactly maxRedirects redirects', async () => {
    const fetched = await fetchSource(
      `${origin}/hop/2`,
      nextDestination(),
      optionsWith({ allowCidrs: LOCAL, maxRedirects: 2 }),
    );
    expect(fetched.finalUrl).toBe(`${origin}/hop/0`);
    expect(seen).toHaveLength(3);
  });
});

describe('fetchSource: refused addresses', () => {
  it.each([
    'http://127.0.0.1:PORT/dir/',
    'http://2130706433:PORT/dir/',
    'http://0x7f000001:PORT/dir/',
    'http://017700000001:PORT/dir/',
    'http://0x7f.1:PORT/dir/',
    'http://127.1:PORT/dir/',
    'http://[::ffff:127.0.0.1]:PORT/dir/',
    'http://[::1]:PORT/dir/',
    'http://[64:ff9b::7f00:1]:PORT/dir/',
    'http://0.0.0.0:PORT/dir/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
  ])('refuses %s before connecting', async (template) => {
    const resolver = resolverOf(() => undefined);
    const url = template.replace('PORT', String(port));
    await expectFailure(url, 'SOURCE_ADDRESS_REFUSED', { lookup: resolver.lookup });
    expect(resolver.calls).toEqual([]);
    expect(seen).toEqual([]);
    expect(guard.connects).toBe(0);
  });

  it('refuses a loopback IP literal that is allow-listed only under another address', async () => {
    await expectFailure(`http://127.0.0.1:${port}/dir/`, 'SOURCE_ADDRESS_REFUSED', {
      allowCidrs: ['10.0.0.0/8', '::1/128'],
    });
    expect(seen).toEqual([]);
  });

  it.each([
    ['private.test', '10.0.0.7'],
    ['metadata.test', '169.254.169.254'],
    ['mapped.test', '::ffff:127.0.0.1'],
    ['public.test', '127.0.0.1'],
  ])('refuses %s, which resolves to %s', async (hostname, address) => {
    const error = await expectFailure(`http://${hostname}:${port}/dir/`, 'SOURCE_ADDRESS_REFUSED');
    expect(error.message).toContain(address);
    // The message says how to allow it.
    expect(error.message).toMatch(/add its range \(e\.g\. \S+\/(32|128)\) to FETCH_ALLOW_CIDRS$/);
    expect(guard.connects).toBe(0);
  });

  it('refuses a resolver answering an allowed address and then a private one, connecting to none', async () => {
    await expectFailure(`http://mixed.test:${port}/dir/`, 'SOURCE_ADDRESS_REFUSED', {
      allowCidrs: LOCAL,
    });
    expect(seen).toEqual([]);
    expect(guard.connects).toBe(0);
  });

  it.each([
    ['/redirect/metadata', 'SOURCE_ADDRESS_REFUSED'],
    ['/redirect/private-host', 'SOURCE_ADDRESS_REFUSED'],
    ['/redirect/ipv6-loopback', 'SOURCE_ADDRESS_REFUSED'],
    ['/redirect/file', 'SOURCE_FETCH_FAILED'],
    ['/redirect/credentials', 'SOURCE_FETCH_FAILED'],
  ] as const)('re-checks the redirect of %s', async (path, code) => {
    const error = await expectFailure(`${origin}${path}`, code, { allowCidrs: LOCAL });
    expect(seen.map((request) => request.path)).toEqual([path]);
    expect(error.message).not.toContain('secret');
  });
});

describe('fetchSource: bad URLs', () => {
  it.each([
    'file:///etc/passwd',
    'ftp://127.0.0.1/file.jpg',
    'data:image/png;base64,AAAA',
    'gopher://127.0.0.1:70/',
    'javascript:alert(1)',
    '/relative/path.jpg',
    'not a url',
    '',
  ])('refuses %j', async (url) => {
    await expectFailure(url, 'BAD_REQUEST', { allowCidrs: LOCAL });
    expect(guard.connects).toBe(0);
  });

  it.each([
    'http://user:secret@127.0.0.1:PORT/dir/',
    'http://user@127.0.0.1:PORT/dir/',
    'http://:secret@127.0.0.1:PORT/dir/',
  ])('refuses credentials in %s without echoing them', async (template) => {
    const url = template.replace('PORT', String(port));
    const error = await expectFailure(url, 'BAD_REQUEST', { allowCidrs: LOCAL });
    expect(error.message).not.toContain('secret');
    expect(seen).toEqual([]);
  });

  it('echoes at most 80 characters of the URL', async () => {
    const long = `not a url ${'x'.repeat(500)}`;
    const error = await expectFailure(long, 'BAD_REQUEST');
    expect(error.message).not.toContain('x'.repeat(81));
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('fetchSource: failing sources', () => {
  it('reports the status of a 404', async () => {
    const error = await expectFailure(
      `${origin}/missing?${'q'.repeat(300)}`,
      'SOURCE_FETCH_FAILED',
      {
        allowCidrs: LOCAL,
      },
    );
    expect(error.message).toContain('404');
    expect(error.message).not.toContain('q'.repeat(81));
  });

  it('stops a redirect loop after maxRedirects', async () => {
    const error = await expectFailure(`${origin}/loop`, 'SOURCE_FETCH_FAILED', {
      allowCidrs: LOCAL,
    });
    expect(error.message).toContain('at most 5 redirects');
    expect(seen).toHaveLength(6);
  });

  it('stops a redirect chain longer than maxRedirects', async () => {
    await expectFailure(`${origin}/hop/3`, 'SOURCE_FETCH_FAILED', {
      allowCidrs: LOCAL,
      maxRedirects: 2,
    });
    expect(seen).toHaveLength(3);
  });

  it('refuses a declared Content-Length over the cap', async () => {
    await expectFailure(`${origin}/declared-large`, 'SOURCE_TOO_LARGE', {
      allowCidrs: LOCAL,
      maxBytes: 999,
    });
  });

  it('refuses a chunked body over the cap while streaming', async () => {
    await expectFailure(`${origin}/chunked-large`, 'SOURCE_TOO_LARGE', {
      allowCidrs: LOCAL,
      maxBytes: 100,
    });
  });

  it('stops an endless body at the cap', async () => {
    await expectFailure(`${origin}/endless`, 'SOURCE_TOO_LARGE', {
      allowCidrs: LOCAL,
      maxBytes: 200_000,
    });
  });

  it('times out a body that drips a byte every 200 ms', async () => {
    // The drip never ends and never pauses 500 ms: only a deadline on the whole fetch (not
    // one per read) ends it. Timers never fire early, so it cannot have ended before 500 ms;
    // how much later depends on how busy the machine is, so that is not asserted.
    const started = Date.now();
    await expectFailure(`${origin}/slow`, 'SOURCE_TIMEOUT', { allowCidrs: LOCAL, timeoutMs: 500 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('times out a source that never answers', async () => {
    await expectFailure(`${origin}/silent`, 'SOURCE_TIMEOUT', {
      allowCidrs: LOCAL,
      timeoutMs: 300,
    });
  });

  it('times out a lookup that never answers', async () => {
    const lookup = () => new Promise<readonly ResolvedAddress[]>(() => undefined);
    await expectFailure('http://hang.test/', 'SOURCE_TIMEOUT', { lookup, timeoutMs: 200 });
    expect(guard.connects).toBe(0);
  });

  it('reports a host that does not resolve, or resolves to nothing', async () => {
    await expectFailure('http://unknown.test/', 'SOURCE_FETCH_FAILED');
    await expectFailure('http://empty.test/', 'SOURCE_FETCH_FAILED');
    expect(guard.connects).toBe(0);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await expectFailure(`http://127.0.0.1:${closedPort}/`, 'SOURCE_FETCH_FAILED', {
      allowCidrs: LOCAL,
    });
    expect(error.message).toContain('ECONNREFUSED');
  });
});
