import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to its addresses. The one seam tests may fake (DNS), like the clock. */
export interface HostResolver {
  resolve(host: string): Promise<string[]>;
}
export const HOST_RESOLVER = Symbol('HOST_RESOLVER');

export const systemResolver: HostResolver = {
  async resolve(host) {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  },
};

/**
 * Whether we may call this address: only ordinary public unicast. ipaddr.js names the ranges (loopback,
 * private, linkLocal, carrierGradeNat = shared 100.64/10, unspecified, uniqueLocal, multicast, reserved,
 * 6to4, …); `process` turns IPv4-mapped IPv6 into the IPv4 it carries, so ::ffff:127.0.0.1 is loopback.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The URL's host without IPv6 brackets. WHATWG URL already spelled numeric hosts out (2130706433 → 127.0.0.1). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export const isIpLiteral = (host: string) => ipaddr.isValid(host);

/**
 * Why the host of `url` may not be called, or undefined when it may: an address literal that is not
 * public, a name that resolves to one (every address counts), or a name that does not resolve.
 */
export async function refusedTarget(url: URL, resolver: HostResolver): Promise<string | undefined> {
  const host = hostOf(url);
  if (isIpLiteral(host)) return isPublicAddress(host) ? undefined : `${host} is not a public address`;
  let addresses: string[];
  try {
    addresses = await resolver.resolve(host);
  } catch {
    return `${host} does not resolve`;
  }
  if (addresses.length === 0) return `${host} does not resolve`;
  const bad = addresses.find((a) => !isPublicAddress(a));
  return bad ? `${host} resolves to ${bad}, not a public address` : undefined;
}
