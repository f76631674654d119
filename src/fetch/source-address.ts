// Which addresses a URL fetch may connect to: public unicast only, unless allow-listed.

import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { quoteInput } from '../errors.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface Cidr {
  readonly network: Address;
  readonly bits: number;
}

/**
 * Whether a connection to `address` (an IPv4 or IPv6 address, no alternate spellings) is allowed:
 * only ipaddr.js's `unicast` range, unless a CIDR in `allowCidrs` covers it. IPv6 addresses that
 * carry an IPv4 one (mapped, NAT64, 6to4, Teredo) are judged by what they carry.
 * Throws a TypeError for a malformed CIDR.
 */
export function isAddressAllowed(address: string, allowCidrs: readonly string[]): boolean {
  return refusalOf(address, parseCidrs(allowCidrs)) === undefined;
}

/** The reason `address` is refused (a range name), or undefined when it may be reached. */
export function refusalOf(address: string, cidrs: readonly Cidr[]): string | undefined {
  // Only plain spellings: anything else was not produced by a resolver or a WHATWG URL.
  if (isIP(address) === 0) return 'not an IP address';
  return refusalOfParsed(ipaddr.parse(address), cidrs);
}

function refusalOfParsed(address: Address, cidrs: readonly Cidr[]): string | undefined {
  if (cidrs.some((cidr) => inCidr(address, cidr))) return undefined;
  if (address instanceof ipaddr.IPv6) {
    const range = address.range();
    const carried = carriedIPv4Of(address);
    if (carried !== undefined) {
      for (const inner of carried) {
        const refusal = refusalOfParsed(inner, cidrs);
        if (refusal !== undefined) return `${range} of ${inner.toString()}, ${refusal}`;
      }
      return undefined;
    }
    // ::/96 (IPv4-compatible, deprecated): ipaddr.js calls most of it unicast; nothing legitimate lives there.
    if (range === 'unicast' && address.parts.slice(0, 6).every((part) => part === 0))
      return 'ipv4Compatible';
    return range === 'unicast' ? undefined : range;
  }
  const range = address.range();
  return range === 'unicast' ? undefined : range;
}

/** The IPv4 addresses an IPv6 address stands for, if it is one of the IPv4-carrying kinds. */
function carriedIPv4Of(address: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const part = (index: number) => address.parts[index] ?? 0;
  const ipv4 = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return [ipv4(part(6), part(7))];
    case 'rfc6052':
      // 64:ff9b::/96 carries the address in its last 32 bits; the local-use 64:ff9b:1::/48
      // may place it elsewhere, so it stays refused as rfc6052.
      return part(2) === 0 ? [ipv4(part(6), part(7))] : undefined;
    case '6to4': // 2002:AABB:CCDD::/48
      return [ipv4(part(1), part(2))];
    case 'teredo': // 2001:0:server:server:flags:port:~client:~client
      return [ipv4(part(2), part(3)), ipv4(~part(6) & 0xffff, ~part(7) & 0xffff)];
    default:
      return undefined;
  }
}

function inCidr(address: Address, cidr: Cidr): boolean {
  if (address.kind() !== cidr.network.kind()) return false;
  return address.match(cidr.network, cidr.bits);
}

export function parseCidrs(allowCidrs: readonly string[]): Cidr[] {
  return allowCidrs.map((cidr) => {
    if (!ipaddr.isValidCIDR(cidr)) {
      throw new TypeError(
        `Expected a CIDR such as "10.0.0.0/8" in allowCidrs but received ${quoteInput(cidr)}`,
      );
    }
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return { network, bits };
  });
}
