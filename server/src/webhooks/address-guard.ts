import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook may not reach unless the server is told it may: this host, private
 * networks, link-local (cloud metadata services live there), carrier-grade NAT, multicast and
 * "this network". A webhook URL is chosen by whoever holds an admin key, and must not become
 * a way into the brand's internal network.
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) REFUSED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one webhooks may not reach; an IPv4 address written as IPv6 is judged as IPv4. */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return REFUSED.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of a URL as an address when it is one (`[::1]` → `::1`), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

/** Why a URL's host is refused before any look-up (an address or `localhost`), or null. */
export function refusedHost(hostname: string): string | null {
  const address = literalAddress(hostname);
  if (address !== null) return isRefusedAddress(address) ? `${address} is a loopback, private or link-local address` : null;
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return `${hostname} names this host`;
  return null;
}

export type Resolve = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const resolveAll: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true } satisfies LookupAllOptions, callback);

/**
 * A `lookup` for `http.request` that refuses a name resolving to any refused address. The
 * connection is made to the address checked here, so a name cannot pass the check and then
 * resolve elsewhere for the connection.
 */
export function guardedLookup(resolve: Resolve = resolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => isRefusedAddress(entry.address));
      if (refused || addresses.length === 0) {
        const reason = Object.assign(new Error(`${hostname} resolves to ${refused?.address ?? 'no address'}, a loopback, private or link-local address`), { code: 'EADDRREFUSED' });
        return callback(reason, '', 0);
      }
      const wanted = options.family === 6 ? addresses.filter((entry) => entry.family === 6) : options.family === 4 ? addresses.filter((entry) => entry.family === 4) : addresses;
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, wanted);
      const first = wanted[0] ?? addresses[0];
      callback(null, first.address, first.family);
    });
  };
}
