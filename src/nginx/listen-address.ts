// `--listen` for nginx: `host:port`, `[v6]:port`, or a bare port on 127.0.0.1.

import ipaddr from 'ipaddr.js';

/** Where nginx listens when `--listen` gives only a port: this machine alone. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

export interface ListenAddress {
  /** An IPv4 or IPv6 address (no brackets). */
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `8080`, `127.0.0.1:8080`, `0.0.0.0:80` or `[::1]:8080`. A bare port listens on
 * {@link DEFAULT_LISTEN_HOST}, never on every interface. Throws an Error that says what was
 * expected and what arrived.
 */
export function parseListenAddress(value: string): ListenAddress {
  const expected = `Expected a port or host:port (e.g. 8080, 0.0.0.0:80, [::1]:8080) but received ${JSON.stringify(value)}`;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]:|([0-9.]+):)?([0-9]{1,5})$/.exec(value);
  if (match === null) throw new Error(expected);
  const host = match[1] ?? match[2] ?? DEFAULT_LISTEN_HOST;
  const port = Number(match[3]);
  const family = match[1] === undefined ? 'ipv4' : 'ipv6';
  const validHost =
    family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(host) : ipaddr.IPv6.isValid(host);
  if (!validHost || port < 1 || port > 65_535) throw new Error(expected);
  return { host, port };
}

/** The `listen` directive's value. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** Checks one `--allow` entry: an address, a CIDR, or `all`; returns it. */
export function checkAllowEntry(entry: string): string {
  const [address = '', bits, ...rest] = entry.split('/');
  const plain = ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address);
  if (
    entry === 'all' ||
    (plain && rest.length === 0 && (bits === undefined || ipaddr.isValidCIDR(entry)))
  )
    return entry;
  throw new Error(
    `Expected an address, a CIDR (10.0.0.0/8) or "all" in --allow but received ${JSON.stringify(entry)}`,
  );
}
